import { Redis } from 'ioredis';
import { RedisTokenStore } from 'nestjs-fandeng-auth';
import { waitFor } from '../support/hardening.js';
import { HubFixture, KEY_A, type Consumer, type Hub } from '../support/hub-fixture.js';
import { REDIS_URL, deleteUnder, testPrefix } from '../support/redis.js';
import { startEmulator } from '../support/token-harness.js';
import { runLoad } from '../topology/fleet-load.js';

/** Tokens of 4 s refreshed 1 s ahead by the hubs: a 3 s cycle. */
const LIFETIME_SECONDS = 4;
const CYCLE_MS = 3000;
const CONSUMERS = 4;

describe('token hub replicas: several hubs on one store, consumers that move between them (issue 18)', () => {
  const fixture = new HubFixture();
  let redis: Redis;
  let prefix: string;
  let hubA: Hub | undefined;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => redis.disconnect());
  beforeEach(async () => {
    fixture.emulator = await startEmulator({
      tokenLifetimeSeconds: LIFETIME_SECONDS,
      overlapSeconds: 1,
    });
    prefix = testPrefix();
  });
  afterEach(async () => {
    await hubA?.app.close();
    hubA = undefined;
    await fixture.tearDown();
    await deleteUnder(redis, prefix);
  });

  const startHub = () =>
    fixture.startHub({
      auth: {
        store: new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix }),
        refreshAheadSeconds: 1,
      },
    });

  it('serves one token from both hubs, and keeps every call succeeding when one hub dies', async () => {
    hubA = await startHub();
    const hubB = await startHub(); // the fixture's hub: closed by its tearDown
    const consumers: Consumer[] = [];
    for (let i = 0; i < CONSUMERS; i++) {
      consumers.push(
        await fixture.startConsumer({ hub: { url: [hubA.url, hubB.url], apiKey: KEY_A } }),
      );
    }
    const [first] = await Promise.all(consumers.map(({ tokens }) => tokens.getAccessToken()));
    expect(await hubB.tokens.getAccessToken()).toBe(first); // one token, whichever hub serves it
    const started = Date.now();
    let finished = false;
    const running = runLoad(fixture.emulator, consumers, 20_000, () => finished);

    await new Promise((resolve) => setTimeout(resolve, CYCLE_MS / 2));
    const dead = hubA;
    hubA = undefined;
    await dead.app.close(); // its port now refuses connections
    // Two more cycles: every consumer's next refresh finds hub A gone and moves to hub B.
    await new Promise((resolve) => setTimeout(resolve, 2 * CYCLE_MS + 500));
    finished = true;
    const figures = await running;
    const elapsedMs = Date.now() - started;

    expect(figures).toMatchObject({ rejected: 0, failed: 0, errors: [] }); // rejected: 401s at callers
    expect(figures.calls).toBeGreaterThan(100);
    // The first fetch, one per cycle since, and one more (a cycle cut by the start or end).
    expect(fixture.emulator.counters.tokenRequests).toBeLessThanOrEqual(
      Math.ceil(elapsedMs / CYCLE_MS) + 1,
    );
    await waitFor(
      () => consumers.every(({ logger }) => logger.lines.some((line) => line.includes(hubB.url))),
      'every consumer to say it moved to hub B',
      CYCLE_MS,
    );
    const moved = consumers[0].logger.lines.find((line) => line.includes(hubB.url))!;
    expect(moved).toContain(`asking the token hub at ${hubB.url} instead`);
    fixture.expectNoSecrets(fixture.allLines());
  }, 30_000);
});
