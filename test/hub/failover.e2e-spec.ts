import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FandengPacedError } from 'nestjs-fandeng-auth';
import { HubFixture, KEY_A } from '../support/hub-fixture.js';

/** A hub replica that answers every request the same wrong way, and counts them. */
class BadReplica {
  requests = 0;
  private server?: Server;
  url = '';

  constructor(private readonly answer: { status: number; type: string; body: string }) {}

  async start(): Promise<string> {
    this.server = createServer((_request, response) => {
      this.requests++;
      response.writeHead(this.answer.status, { 'Content-Type': this.answer.type });
      response.end(this.answer.body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token-hub`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

// A consumer with hub replicas leaves one whose answer is not a usable token, and never leaves
// one for a request it did not send.
describe('hub consumers: failover between replicas', () => {
  const fx = new HubFixture();
  let bad: BadReplica | undefined;
  beforeEach(() => fx.setUp());
  afterEach(async () => {
    await bad?.stop();
    bad = undefined;
    await fx.tearDown();
  });

  it.each([
    ['a 200 that is an HTML page', { status: 200, type: 'text/html', body: '<html>hi</html>' }],
    ['429', { status: 429, type: 'application/json', body: '{"error":"too_many_requests"}' }],
    ['401 (its keys differ)', { status: 401, type: 'application/json', body: '{}' }],
    ['a 404 (a wrong path)', { status: 404, type: 'text/html', body: 'Not Found' }],
  ])(
    'moves off a replica that answers %s, and its calls succeed via the healthy one',
    async (_, answer) => {
      bad = new BadReplica(answer);
      const good = await fx.startHub();
      const consumer = await fx.startConsumer({
        hub: { url: [await bad.start(), good.url], apiKey: KEY_A },
      });

      const calls = await Promise.all(
        Array.from({ length: 5 }, () => consumer.http.axiosRef.get('/api/books')),
      );

      expect(calls.map((call) => call.status)).toEqual(Array(5).fill(200));
      expect(await consumer.tokens.getAccessToken()).toBe(await good.tokens.getAccessToken());
      expect(bad.requests).toBe(1);
      expect(consumer.logger.lines).toContainEqual(
        expect.stringContaining(`asking the token hub at ${good.url} instead`),
      );
      fx.expectNoSecrets(fx.allLines());
    },
  );

  it('stays on its replica when its own pacer refused a request, and does not call it a hub outage', async () => {
    const good = await fx.startHub();
    bad = new BadReplica({ status: 503, type: 'text/plain', body: 'down' });
    const consumer = await fx.startConsumer({
      hub: { url: [good.url, await bad.start()], apiKey: KEY_A },
    });
    // A consumer's pace is a burst of 172 hub requests, then one every 5 s: spend the burst.
    let paced: unknown;
    for (let i = 0; i < 300 && paced === undefined; i++) {
      paced = await consumer.tokens.refresh().then(
        () => undefined,
        (error: unknown) => error,
      );
    }

    expect(paced).toBeInstanceOf(FandengPacedError);
    expect(bad.requests).toBe(0);
    expect(consumer.logger.lines.filter((line) => line.includes('instead'))).toEqual([]);
  });
});
