import { registerFandengHubMetrics, tokenDigest, TokenHubService } from 'nestjs-fandeng-auth';
import { Registry } from 'prom-client';
import request from 'supertest';
import { HUB_PATH, HubFixture, KEY_A, KEY_B } from '../support/hub-fixture.js';

// The hub's per-consumer counts, in the user's own Prometheus registry.
describe('the token hub: consumer metrics', () => {
  const fx = new HubFixture();
  beforeEach(() => fx.setUp());
  afterEach(() => fx.tearDown());

  it('exports pulls and rejection reports per consumer into a given registry, unnamed keys under one label', async () => {
    const hub = await fx.startHub({ apiKeys: [{ key: KEY_A, consumer: 'billing' }, KEY_B] });
    const registry = new Registry();
    const remove = registerFandengHubMetrics(hub.app.get(TokenHubService), { registry });
    const server = hub.app.getHttpServer();
    const pull = (key: string) =>
      request(server).get(`/${HUB_PATH}/token`).set('Authorization', `Bearer ${key}`);
    const { value } = (await pull(KEY_A)).body as { value: string };
    await pull(KEY_B);
    await pull(KEY_B);
    await request(server)
      .post(`/${HUB_PATH}/token/rejected`)
      .set('Authorization', `Bearer ${KEY_B}`)
      .send({ digest: tokenDigest(value) });

    const text = await registry.metrics();
    expect(text).toContain(
      'fandeng_hub_consumer_requests_total{consumer="billing",kind="token"} 1',
    );
    expect(text).toContain(
      'fandeng_hub_consumer_requests_total{consumer="unnamed",kind="token"} 2',
    );
    expect(text).toContain(
      'fandeng_hub_consumer_requests_total{consumer="unnamed",kind="rejection"} 1',
    );
    expect(text).not.toContain('a consumer');
    expect(hub.logger.lines).toContainEqual(
      expect.stringMatching(/^WARN Consumer unnamed reported token sha256:\w+ as rejected/),
    );
    remove();
    expect(await registry.metrics()).not.toContain('fandeng_hub_consumer_requests_total');
  });
});
