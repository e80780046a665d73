import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { RedisTokenStore } from 'nestjs-fandeng-auth';
import { Redis } from 'ioredis';
import { firstValueFrom, take, timeout } from 'rxjs';
import { PrivateRedis } from '../support/private-redis.js';
import { until } from '../support/redis-servers.js';
import { testPrefix } from '../support/redis.js';
import { bootTokens, startEmulator, type TokenHarness } from '../support/token-harness.js';

describe('a shared store through a Redis outage', () => {
  let emulator: FandengPlatformEmulator;
  let redis: PrivateRedis;
  let fleet: TokenHarness[];

  beforeEach(async () => {
    emulator = await startEmulator();
    redis = new PrivateRedis();
    await redis.start();
    fleet = [];
  });
  /** `count` instances sharing one key prefix of the private Redis; resolves that prefix. */
  async function bootFleet(count: number): Promise<string> {
    const prefix = testPrefix();
    for (let i = 0; i < count; i++) {
      const store = new RedisTokenStore({
        url: redis.url,
        keyPrefix: prefix,
        operationTimeoutMs: 200,
      });
      fleet.push(await bootTokens(emulator, { store }));
    }
    return prefix;
  }
  afterEach(async () => {
    for (const harness of fleet) await harness.module.close();
    await redis.stop();
    await emulator.stop();
  });

  it('keeps serving while Redis is down, then converges on one token when it is back', async () => {
    await bootFleet(2);
    const [a, b] = fleet;
    const shared = await a.tokens.getAccessToken();
    expect(await b.tokens.getAccessToken()).toBe(shared);

    await redis.stop();
    const duringOutage = await a.tokens.refresh(); // the platform is fine; only Redis is gone
    expect(emulator.isValid(duringOutage.value)).toBe(true);
    expect(a.tokens.getStatus().store.healthy).toBe(false);
    expect(await b.tokens.getAccessToken()).toBe(shared); // still valid: B keeps serving it

    await redis.start();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // ioredis reconnects and resubscribes
    const adopted = firstValueFrom(b.tokens.tokenChanges$.pipe(take(1), timeout(3000)));
    const after = await a.tokens.refresh();

    expect((await adopted).value).toBe(after.value);
    expect(await b.tokens.getAccessToken()).toBe(after.value);
    expect(a.tokens.getStatus().store.healthy).toBe(true);
    expect(b.tokens.getStatus().tokenRequests).toBe(0);
  });

  it('converges on the newest token as soon as Redis is back, not at the next refresh', async () => {
    const prefix = await bootFleet(3);
    const [a, b, c] = fleet;
    const shared = await a.tokens.getAccessToken();
    for (const instance of [b, c]) expect(await instance.tokens.getAccessToken()).toBe(shared);

    await redis.stop();
    // A and B each fetch alone (B last, so its token is the newest); C saw no outage.
    await a.tokens.refresh();
    const newest = await b.tokens.refresh();
    const requests = emulator.counters.tokenRequests;
    await redis.start(); // empty: it kept nothing

    const started = Date.now();
    const store = new Redis(redis.url);
    const stored = async () => {
      const text = await store.get(`${prefix}token:test-client`).catch(() => null);
      return text ? (JSON.parse(text) as { value: string }).value : undefined;
    };
    try {
      await until(
        async () =>
          fleet.every(({ tokens }) => tokens.peekToken()?.value === newest.value) &&
          (await stored()) === newest.value,
        'A, B, C and Redis on the newest token',
        5_000,
      );
    } finally {
      store.disconnect();
    }
    process.stdout.write(
      `Redis back: fleet and store on one token in ${Date.now() - started} ms\n`,
    );
    // Well within a refresh cycle (2 h here): the store's recheck and its catch-up, no new request.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(emulator.counters.tokenRequests).toBe(requests);
    expect(emulator.isValid(newest.value)).toBe(true);
  });
});
