import { createHash } from 'node:crypto';
import { Test } from '@nestjs/testing';
import {
  FandengAuthModule,
  FandengCredentialsError,
  FandengTokenHubModule,
  TokenService,
  tokenDigest,
} from 'nestjs-fandeng-auth';
import request from 'supertest';
import { CaptureLogger } from '../support/capture-logger.js';
import { HUB_PATH, HubFixture, KEY_A, KEY_B, OLD_KEY } from '../support/hub-fixture.js';
import { CLIENT_ID, CLIENT_SECRET, rejectionOf } from '../support/token-harness.js';

// The hub's protocol: handing out the token, its keys, and rejected-token reports. Its
// deployments (rotation under load, outages, several hubs) are in topology.e2e-spec.ts.
describe('the central token hub', () => {
  const fx = new HubFixture();
  beforeEach(() => fx.setUp());
  afterEach(() => fx.tearDown());

  it('hands its token to consumers, who never call the platform token endpoint', async () => {
    await fx.startHub();
    const [a, b] = [await fx.startConsumer(), await fx.startConsumer()];
    const responses = await Promise.all([
      a.http.axiosRef.get('/api/books'),
      b.http.axiosRef.get('/api/books'),
      a.http.axiosRef.get('/api/books'),
    ]);

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await a.tokens.getAccessToken()).toBe(await fx.hub!.tokens.getAccessToken());
    expect(await b.tokens.getAccessToken()).toBe(await fx.hub!.tokens.getAccessToken());
    expect(fx.emulator.counters.tokenRequests).toBe(1);
    expect(fx.hub!.tokens.getStatus().tokenRequests).toBe(1);
    fx.expectNoSecrets(fx.allLines());
  });

  it('answers with Cache-Control: no-store, and refuses a wrong, missing or retired key with a bare 401', async () => {
    // The old key was retired: the hub now knows only the new ones.
    await fx.startHub();
    const server = fx.hub!.app.getHttpServer();
    const ok = await request(server)
      .get(`/${HUB_PATH}/token`)
      .set('Authorization', `Bearer ${KEY_B}`)
      .expect(200);
    const refusals = await Promise.all([
      request(server)
        .get(`/${HUB_PATH}/token`)
        .set('Authorization', 'Bearer not-a-key-at-all-0000000'),
      request(server).get(`/${HUB_PATH}/token`),
      request(server).get(`/${HUB_PATH}/token`).set('Authorization', `Bearer ${OLD_KEY}`),
      request(server)
        .post(`/${HUB_PATH}/token/rejected`)
        .set('Authorization', `Bearer ${OLD_KEY}`)
        .send({ digest: tokenDigest(ok.body.value) }),
    ]);

    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body).toMatchObject({
      tokenType: expect.any(String),
      expiresInSeconds: expect.any(Number),
    });
    for (const refusal of refusals) {
      expect(refusal.status).toBe(401);
      expect(refusal.headers['cache-control']).toBe('no-store');
      expect(refusal.text).not.toContain(ok.body.value);
    }
    // One line per address a minute, not one per attempt.
    expect(fx.hub!.logger.lines.filter((line) => line.includes('refused'))).toHaveLength(1);
    expect(fx.emulator.counters.tokenRequests).toBe(1);
    fx.expectNoSecrets(fx.allLines());
  });

  it('answers 429 with Retry-After to an address past 10 wrong keys a minute, whatever key it sends next', async () => {
    await fx.startHub();
    const server = fx.hub!.app.getHttpServer();
    const attempt = (key: string) =>
      request(server).get(`/${HUB_PATH}/token`).set('Authorization', `Bearer ${key}`);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await attempt(`guess-${i}-0123456789abcdef`)).status);
    const blocked = await attempt(KEY_A); // a guesser must not learn that this one works

    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(blocked.text).not.toContain('value');
    const lines = fx.hub!.logger.lines.filter((line) => line.includes('refused'));
    expect(lines).toEqual([
      'WARN Token hub refused a request from 127.0.0.1: wrong API key; more than 10 a minute get 429',
    ]);
    expect(fx.emulator.counters.tokenRequests).toBe(0); // never got as far as the token
  });

  it('gives a consumer with a retired key a typed error that names no key', async () => {
    await fx.startHub();
    const consumer = await fx.startConsumer({ hub: { url: fx.hub!.url, apiKey: OLD_KEY } });
    const error = await rejectionOf(consumer.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect(error.message).toContain('refused the API key');
    fx.expectNoSecrets([error.message, JSON.stringify(error), ...fx.allLines()]);
    expect(fx.emulator.counters.tokenRequests).toBe(0);
  });

  it('turns a burst of rejected-token reports from two consumers into one platform call', async () => {
    await fx.startHub();
    const [a, b] = [await fx.startConsumer(), await fx.startConsumer()];
    await Promise.all([a.tokens.getAccessToken(), b.tokens.getAccessToken()]);
    fx.emulator.revoke(await fx.hub!.tokens.getAccessToken());
    const burst = await Promise.all(
      [a, b].flatMap((c) => Array.from({ length: 25 }, () => c.http.axiosRef.get('/api/books'))),
    );

    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(fx.emulator.counters.apiUnauthorized).toBe(50);
    expect(fx.emulator.counters.tokenRequests).toBe(2);
    expect(await a.tokens.getAccessToken()).toBe(await fx.hub!.tokens.getAccessToken());
    fx.expectNoSecrets(fx.allLines());
  });

  it('refreshes only for its current token, and not before minRefreshIntervalSeconds', async () => {
    await fx.startHub();
    const server = fx.hub!.app.getHttpServer();
    const auth = `Bearer ${KEY_A}`;
    const first = (await request(server).get(`/${HUB_PATH}/token`).set('Authorization', auth)).body
      .value;
    const report = (digest: string) =>
      request(server)
        .post(`/${HUB_PATH}/token/rejected`)
        .set('Authorization', auth)
        .send({ digest });

    const stranger = await report(tokenDigest('some-token-the-hub-never-had'));
    const bad = await report('not-a-digest');
    const renewed = await report(tokenDigest(first));
    const again = await report(tokenDigest(first)); // a late report about the old token

    expect(stranger.body.value).toBe(first);
    expect(bad.status).toBe(400);
    expect(renewed.status).toBe(200);
    expect(renewed.body.value).not.toBe(first);
    expect(again.body.value).toBe(renewed.body.value);
    expect(fx.emulator.counters.tokenRequests).toBe(2);
  });

  it('keeps a young token when a consumer reports it, under the hub minimum interval', async () => {
    await fx.startHub();
    await fx.hub!.app.close();
    const logger = new CaptureLogger();
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: fx.emulator.url,
          logger,
        }),
        FandengTokenHubModule.forRoot({ apiKeys: [KEY_A], logger }), // default interval (60 s), default path
      ],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    await app.init();
    fx.watch({ app, url: '', tokens: app.get(TokenService), logger });
    const server = app.getHttpServer();
    const value = (
      await request(server).get('/fandeng-token-hub/token').set('Authorization', `Bearer ${KEY_A}`)
    ).body.value;
    const kept = await request(server)
      .post('/fandeng-token-hub/token/rejected')
      .set('Authorization', `Bearer ${KEY_A}`)
      .send({ digest: tokenDigest(value) });

    expect(kept.body.value).toBe(value);
    expect(
      logger.lines.some((line) =>
        line.includes("keeping it (the hub's minRefreshIntervalSeconds)"),
      ),
    ).toBe(true);
    expect(fx.emulator.counters.tokenRequests).toBe(1);
  });

  it("says it keeps a reported token when the registration's rule keeps it, never 'refreshing it'", async () => {
    // The hub's floor is 0 here; the registration keeps a rejected token for its first 10 s.
    const hub = await fx.startHub({ auth: { minRefreshIntervalSeconds: 10 } });
    const server = hub.app.getHttpServer();
    const value = (
      await request(server).get(`/${HUB_PATH}/token`).set('Authorization', `Bearer ${KEY_A}`)
    ).body.value;
    const answer = await request(server)
      .post(`/${HUB_PATH}/token/rejected`)
      .set('Authorization', `Bearer ${KEY_A}`)
      .send({ digest: tokenDigest(value) });

    expect(answer.body.value).toBe(value);
    const reports = hub.logger.lines.filter((line) => line.includes('reported'));
    expect(reports).toEqual([
      expect.stringMatching(
        /^WARN Consumer unnamed reported token sha256:\w+ as rejected; keeping it \(the registration's minRefreshIntervalSeconds/,
      ),
    ]);
    expect(fx.emulator.counters.tokenRequests).toBe(1);
  });

  it('takes keys as SHA-256 digests with consumer names, and names the consumer in its log', async () => {
    const sha256 = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;
    const hub = await fx.startHub({
      apiKeys: [{ key: sha256(KEY_A), consumer: 'billing' }, sha256(KEY_B)],
    });
    const billing = await fx.startConsumer({ hub: { url: hub.url, apiKey: KEY_A } });
    const anonymous = await fx.startConsumer({ hub: { url: hub.url, apiKey: KEY_B } });
    const value = await billing.tokens.getAccessToken();
    expect(await anonymous.tokens.getAccessToken()).toBe(value);
    const wrong = await request(hub.app.getHttpServer())
      .get(`/${HUB_PATH}/token`)
      .set('Authorization', `Bearer ${sha256(KEY_A)}`); // the digest is not the key
    expect(wrong.status).toBe(401);

    await billing.tokens.invalidate(value); // reports it to the hub by digest
    await billing.tokens.getAccessToken();

    expect(hub.logger.lines).toContainEqual(
      expect.stringMatching(
        /^WARN Consumer billing reported token sha256:\w+ as rejected; refreshing it/,
      ),
    );
    fx.expectNoSecrets(fx.allLines());
  });
});
