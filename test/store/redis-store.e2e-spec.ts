import { Redis } from 'ioredis';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import {
  FandengAuthModule,
  RedisTokenStore,
  TokenService,
  getTokenServiceToken,
  registerFandengAuthMetrics,
  type AccessToken,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { firstValueFrom, take, timeout } from 'rxjs';
import { waitFor } from '../support/hardening.js';
import { REDIS_URL, deleteUnder, keysUnder, testPrefix } from '../support/redis.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  bootTokens,
  noonUtcOffsetMinutes,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

function token(value: string, lifetimeMs = 60_000): AccessToken {
  const now = Date.now();
  return {
    value,
    tokenType: 'bearer',
    expiresIn: lifetimeMs / 1000,
    obtainedAt: new Date(now),
    expiresAt: new Date(now + lifetimeMs),
    scope: ['ALL'],
  };
}

describe('RedisTokenStore', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisTokenStore;

  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    prefix = testPrefix();
    store = new RedisTokenStore({ client: redis, keyPrefix: prefix, lockTtlMs: 200 });
  });
  afterEach(async () => {
    await store.close();
    await deleteUnder(redis, prefix);
    await redis.quit();
  });

  it('round-trips a token with a TTL matching its expiry', async () => {
    const stored = token('v1', 30_000);
    await store.set('token:a', stored);

    expect(await store.get('token:a')).toEqual(stored);
    const ttl = await redis.pttl(`${prefix}token:a`);
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('deletes only the value it is told about', async () => {
    await store.set('token:a', token('new'));
    await store.delete('token:a', 'old');
    expect((await store.get('token:a'))?.value).toBe('new');
    await store.delete('token:a', 'new');
    expect(await store.get('token:a')).toBeUndefined();
  });

  it('treats a corrupt entry as no token', async () => {
    await redis.set(`${prefix}token:a`, '{"value":');
    expect(await store.get('token:a')).toBeUndefined();
  });

  it('gives the lock to one owner at a time, lets only the owner release it, and expires it', async () => {
    const other = new RedisTokenStore({ client: redis, keyPrefix: prefix, lockTtlMs: 200 });
    const release = await store.acquireLock('token:a');
    expect(release).toBeDefined();
    expect(await other.acquireLock('token:a')).toBeUndefined();
    await release!();
    const second = await other.acquireLock('token:a');
    expect(second).toBeDefined();

    await release!(); // a stale release must not free the new owner's lock
    expect(await store.acquireLock('token:a')).toBeUndefined();
    await other.close(); // the holder "died": nothing renews its lock any more
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await store.acquireLock('token:a')).toBeDefined();
  });

  it('renews a held lock while its holder lives, however long it holds it', async () => {
    // 300 ms locks renewed every 100 ms: a renewal may be 200 ms late on a loaded machine.
    const holder = new RedisTokenStore({ client: redis, keyPrefix: prefix, lockTtlMs: 300 });
    const other = new RedisTokenStore({ client: redis, keyPrefix: prefix, lockTtlMs: 300 });
    const release = await holder.acquireLock('token:a');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // over 3 lock lifetimes

    expect(await other.acquireLock('token:a')).toBeUndefined();
    expect(await redis.pttl(`{${prefix}token:a}:lock`)).toBeGreaterThan(0);
    await release!();
    const next = await other.acquireLock('token:a');
    expect(next).toBeDefined();
    await next!();
  });

  it('stops renewing after the hold its holder asked for', async () => {
    const holder = new RedisTokenStore({ client: redis, keyPrefix: prefix, lockTtlMs: 100 });
    await holder.acquireLock('token:a', 200); // never released: a holder stuck but alive
    await new Promise((resolve) => setTimeout(resolve, 600)); // hold 200 + lock 100, with slack

    expect(await store.acquireLock('token:a')).toBeDefined();
    await holder.close();
  });

  it('tells subscribers of tokens stored elsewhere', async () => {
    const other = new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix });
    const received = new Promise<AccessToken>((resolve) => store.subscribe('token:a', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the subscription is in place
    await other.set('token:a', token('from-other'));

    expect((await received).value).toBe('from-other');
    await other.close();
  });

  it("counts a day's token requests across stores, and keeps the count two days", async () => {
    const other = new RedisTokenStore({ client: redis, keyPrefix: prefix });
    expect(await store.getTokenRequests('token:a', '2026-12-02')).toBe(0);
    expect(await store.incrementTokenRequests('token:a', '2026-12-02')).toBe(1);
    expect(await other.incrementTokenRequests('token:a', '2026-12-02')).toBe(2);
    expect(await other.incrementTokenRequests('token:a', '2026-12-03')).toBe(1);

    expect(await store.getTokenRequests('token:a', '2026-12-02')).toBe(2);
    const ttl = await redis.pttl(`{${prefix}token:a}:requests:2026-12-02`);
    expect(ttl).toBeGreaterThan(47 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(48 * 3600_000);
  });

  it('leaves an application-owned client open on close', async () => {
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });
});

describe('TokenService on a shared RedisTokenStore', () => {
  let emulator: FandengPlatformEmulator;
  let redis: Redis;
  let prefix: string;
  let fleet: TokenHarness[];

  async function instance(options: Partial<FandengAuthModuleOptions> = {}): Promise<TokenHarness> {
    const harness = await bootTokens(emulator, {
      ...options,
      // Built only when not given: an unused store would hold its connection open.
      store: options.store ?? new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix }),
    });
    fleet.push(harness);
    return harness;
  }

  beforeEach(async () => {
    emulator = await startEmulator({ tokenLatencyMs: 30 });
    redis = new Redis(REDIS_URL);
    prefix = testPrefix();
    fleet = [];
  });
  afterEach(async () => {
    for (const harness of fleet) await harness.module.close();
    await deleteUnder(redis, prefix);
    await redis.quit();
    await emulator.stop();
  });

  it('makes one platform call for three instances starting at once', async () => {
    const [a, b, c] = await Promise.all([instance(), instance(), instance()]);
    const values = await Promise.all(
      [a, b, c].flatMap((h) => Array.from({ length: 20 }, () => h.tokens.getAccessToken())),
    );

    expect(new Set(values).size).toBe(1);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('never writes the secret to Redis, and namespaces keys by client id', async () => {
    const a = await instance();
    await a.tokens.getAccessToken();
    const entries = await keysUnder(redis, prefix);

    expect(Object.keys(entries).sort()).toEqual([
      `${prefix}token:${CLIENT_ID}`,
      expect.stringMatching(
        new RegExp(`^\\{${prefix}token:${CLIENT_ID}\\}:requests:\\d{4}-\\d{2}-\\d{2}$`),
      ),
    ]);
    expect(JSON.stringify(entries)).not.toContain(CLIENT_SECRET);
  });

  it('spreads a refresh to the other instances without their calling the platform', async () => {
    const [a, b] = [await instance(), await instance()];
    await a.tokens.getAccessToken();
    await b.tokens.getAccessToken();
    const adopted = firstValueFrom(b.tokens.tokenChanges$.pipe(take(1), timeout(2000)));
    const fresh = await a.tokens.refresh();

    expect((await adopted).value).toBe(fresh.value);
    expect(await b.tokens.getAccessToken()).toBe(fresh.value);
    expect(b.tokens.getStatus().tokenRequests).toBe(0);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('keeps one refresher while the platform is slower than the lock lives', async () => {
    const slowStore = () =>
      new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix, lockTtlMs: 300 });
    const [a, b] = [await instance({ store: slowStore() }), await instance({ store: slowStore() })];
    const first = await a.tokens.getAccessToken();
    expect(await b.tokens.getAccessToken()).toBe(first);
    emulator.configure({ tokenLatencyMs: 1200 }); // 4 lock lifetimes per token request

    const [fromA, fromB] = await Promise.all([a.tokens.refresh(), b.tokens.refresh()]);

    expect(fromB.value).toBe(fromA.value);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('turns a burst of 401s across the fleet into one platform call', async () => {
    const members = [await instance(), await instance(), await instance()];
    const rejected = await members[0].tokens.getAccessToken();
    await Promise.all(members.map((m) => m.tokens.getAccessToken()));
    emulator.revoke(rejected);

    const values = await Promise.all(
      members.flatMap((m) =>
        Array.from({ length: 10 }, async () => {
          await m.tokens.invalidate(rejected);
          return m.tokens.getAccessToken();
        }),
      ),
    );
    expect(new Set(values).size).toBe(1);
    expect(values[0]).not.toBe(rejected);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it("holds the daily budget to the fleet's count, which matches the platform's", async () => {
    const budget = {
      dailyTokenBudget: 4,
      budgetWarnShare: 0.5,
      budgetUtcOffsetMinutes: noonUtcOffsetMinutes(),
    };
    const a = await instance(budget);
    const b = await instance(budget);
    const fleetToday = (h: TokenHarness) => h.tokens.getMetrics().tokenRequests.fleetToday;
    await a.tokens.getAccessToken();
    await b.tokens.getAccessToken(); // adopted: b reads the fleet's count
    await waitFor(() => fleetToday(b) === 1, 'b to read the count');
    await b.tokens.refresh();
    await waitFor(() => fleetToday(a) === 2, 'a to adopt b’s token and read the count');
    await a.tokens.refresh();
    await waitFor(() => fleetToday(a) === 3, 'a to count its request');
    await waitFor(() => fleetToday(b) === 3, 'b to adopt a’s token and read the count');

    expect(emulator.counters.tokenRequests).toBe(3);
    expect(a.tokens.getMetrics().tokenRequests).toMatchObject({
      today: 2,
      fleetToday: 3,
      shareOfBudget: 0.75,
    });
    expect(b.tokens.getMetrics().tokenRequests).toMatchObject({ today: 1, fleetToday: 3 });
    // Each process warned once, at the fleet's second request: b counted it, a read it on adopting.
    // Counting alone, b (1 request) would not have warned, nor a before its own second.
    const warning =
      'WARN Token requests today across the fleet passed 50% of the daily budget (2 of 4): is something refreshing too often?';
    for (const h of [a, b]) {
      expect(h.logger.lines.filter((line) => line.includes('daily budget'))).toEqual([warning]);
    }
    const registry = new Registry();
    const unregister = registerFandengAuthMetrics({ a: a.tokens, b: b.tokens }, { registry });
    const text = await registry.metrics();
    expect(text).toMatch(/^fandeng_auth_token_requests_today_fleet\{registration="b"\} 3$/m);
    expect(text).toMatch(/^fandeng_auth_token_requests_today\{registration="b"\} 1$/m);
    unregister();
    expect(await registry.metrics()).not.toContain('fandeng_auth_');
    registerFandengAuthMetrics(a.tokens, { registry }); // the names are free again
  });

  it('counts every registration of one client id together, as the platform does', async () => {
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: emulator.url,
          store: new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix }),
          logger: false,
        }),
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: emulator.url,
          store: new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix }),
          name: 'reports',
          logger: false,
        }),
      ],
    }).compile();
    await module.init();
    try {
      const main = module.get(TokenService);
      const reports = module.get<TokenService>(getTokenServiceToken('reports'));
      // Their own tokens (own keys), one count.
      expect(await main.getAccessToken()).not.toBe(await reports.getAccessToken());
      await waitFor(
        () => main.getMetrics().tokenRequests.fleetToday === 1,
        'main to count its request',
      );
      await main.refresh();
      await waitFor(
        () => main.getMetrics().tokenRequests.fleetToday === 3,
        'the count of all three requests',
      );

      expect(emulator.counters.tokenRequests).toBe(3);
      expect(reports.getMetrics().tokenRequests.fleetToday).toBe(2);
      const counters = Object.keys(await keysUnder(redis, prefix)).filter((key) =>
        key.includes(':requests:'),
      );
      expect(counters).toEqual([
        expect.stringMatching(new RegExp(`^\\{${prefix}token:${CLIENT_ID}\\}:requests:`)),
      ]);
    } finally {
      await module.close();
    }
  });

  it('keeps serving when Redis is unreachable, and says so', async () => {
    const started = Date.now();
    const harness = await bootTokens(emulator, {
      store: new RedisTokenStore({
        url: 'redis://127.0.0.1:1',
        keyPrefix: prefix,
        operationTimeoutMs: 200,
      }),
    });
    fleet.push(harness);
    const value = await harness.tokens.getAccessToken();

    expect(emulator.isValid(value)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(harness.tokens.getStatus().store).toEqual({ shared: true, healthy: false });
    expect(
      harness.logger.lines.some((line) => line.startsWith('WARN') && line.includes('Token store')),
    ).toBe(true);
  });
});
