import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { Redis } from 'ioredis';
import { RedisTokenStore } from 'nestjs-fandeng-auth';
import { REDIS_URL, deleteUnder, keysUnder, testPrefix } from '../support/redis.js';
import {
  CLIENT_ID,
  bootTokens,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

const INSTANCES = 3;

/** A token as this module stores it, but expired an hour ago. */
function expiredToken(): string {
  const now = Date.now();
  return JSON.stringify({
    value: 'expired-elsewhere',
    tokenType: 'bearer',
    expiresIn: 7200,
    obtainedAt: new Date(now - 3 * 3600_000).toISOString(),
    expiresAt: new Date(now - 3600_000).toISOString(),
    scope: [],
  });
}

type Plant = (redis: Redis, key: string) => Promise<unknown>;
const text =
  (value: string): Plant =>
  (redis, key) =>
    redis.set(key, value);
const aHash: Plant = (redis, key) => redis.hset(key, 'value', 'x');

/**
 * Someone else wrote into the store's keys (a migration script, a shared Redis, an attacker with
 * write access): whatever it is, it is never used or passed on, the fleet fetches once, logs once
 * per instance at most, and overwrites it.
 */
describe('foreign data in the store keys (issue 17)', () => {
  let emulator: FandengPlatformEmulator;
  let redis: Redis;
  let prefix: string;
  let fleet: TokenHarness[];

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => redis.disconnect());
  beforeEach(async () => {
    emulator = await startEmulator();
    prefix = testPrefix();
    fleet = [];
  });
  afterEach(async () => {
    for (const { module } of fleet) await module.close();
    await deleteUnder(redis, prefix);
    await emulator.stop();
  });

  const tokenKey = () => `${prefix}token:${CLIENT_ID}`;
  const lockKey = () => `{${tokenKey()}}:lock`;

  /**
   * Boots the fleet and has every instance ask for a token at the same moment. `lockTtlMs`: the
   * store's (a busy test machine must not let a live holder's lock lapse: the default, except
   * where a foreign lock is to expire within the test).
   */
  async function fleetAsks(lockTtlMs?: number): Promise<string[]> {
    for (let i = 0; i < INSTANCES; i++) {
      const store = new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix, lockTtlMs });
      fleet.push(await bootTokens(emulator, { store }));
    }
    return Promise.all(fleet.map(({ tokens }) => tokens.getAccessToken()));
  }

  it.each<[string, Plant]>([
    ['garbage text', text('{"value": "half a tok')],
    ['an expired token', text(expiredToken())],
    ['a 10 MB value', text(`{"value":"${'x'.repeat(10 * 1024 * 1024)}"}`)],
    ['a hash', aHash],
  ])(
    'in the token key, %s is ignored, replaced by one fetch, and logged once',
    async (_, plant) => {
      await plant(redis, tokenKey());

      const values = await fleetAsks();

      expect(new Set(values).size).toBe(1);
      expect(emulator.isValid(values[0])).toBe(true);
      expect(emulator.counters.tokenRequests).toBe(1);
      expect(JSON.parse((await redis.get(tokenKey()))!).value).toBe(values[0]);
      for (const { logger, tokens } of fleet) {
        const about = logger.lines.filter((line) => line.includes('not a usable token'));
        expect(about.length).toBeLessThanOrEqual(1);
        expect(logger.lines.join('\n')).not.toContain('x'.repeat(64)); // the value is not logged
        expect(tokens.getStatus().store).toEqual({ shared: true, healthy: true });
      }
    },
  );

  it.each<[string, Plant]>([
    ['text with no TTL', text('held by nobody')],
    ['a hash', aHash],
  ])(
    'in the lock key, %s does not block the fleet: it expires, and one instance fetches',
    async (_, plant) => {
      await plant(redis, lockKey());

      const values = await fleetAsks(1000);

      expect(new Set(values).size).toBe(1);
      expect(emulator.counters.tokenRequests).toBe(1); // before: one per instance, after 125 s
      expect(await redis.exists(lockKey())).toBe(0);
    },
  );

  it.each<[string, Plant, number]>([
    ['text', text('not a number'), 1],
    ['a hash', aHash, 1],
    ['a count with no TTL', text('41'), 42],
  ])(
    'in the day counter, %s restarts or keeps the count, with a TTL, and the store stays healthy',
    async (_, plant, count) => {
      // Yesterday, today and tomorrow in UTC: the platform's day is one of them.
      for (const days of [-1, 0, 1]) {
        const day = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
        await plant(redis, `{${tokenKey()}}:requests:${day}`);
      }

      await fleetAsks();

      const counters = Object.keys(await keysUnder(redis, prefix)).filter((key) =>
        key.includes(':requests:'),
      );
      const kept = [];
      for (const key of counters) {
        if ((await redis.pttl(key)) > 0) kept.push([await redis.type(key), await redis.get(key)]);
      }
      expect(kept).toEqual([['string', String(count)]]); // the platform day's counter, fixed
      for (const { tokens } of fleet) {
        expect(tokens.getStatus().store).toEqual({ shared: true, healthy: true });
      }
    },
  );
});
