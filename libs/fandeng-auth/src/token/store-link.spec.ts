import { jest } from '@jest/globals';
import type { ModuleLogger } from '../fandeng-auth.logger.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { ReleaseLock, TokenStore } from '../interfaces/token-store.interface.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { NO_LOCK, StoreLink, type Follower } from './store-link.js';
import { TokenMetrics } from './token-metrics.js';

const KEYS = { token: 'token:c', count: 'token:c', probe: 'probe:token:c' };

/** A token obtained `agoMs` ago, living a minute. */
function token(value: string, agoMs = 0): AccessToken {
  const obtainedAt = Date.now() - agoMs;
  return {
    value,
    tokenType: 'bearer',
    expiresIn: 60,
    obtainedAt: new Date(obtainedAt),
    expiresAt: new Date(obtainedAt + 60_000),
    scope: ['ALL'],
  };
}

/** A shared store in memory that can be taken down: every call then fails, as Redis's would. */
class FlakyStore implements TokenStore {
  down = false;
  readonly inner = new InMemoryTokenStore();
  private locked = false;

  private check(): void {
    if (this.down) throw new Error('Redis did not answer within 200 ms');
  }
  async get(key: string) {
    this.check();
    return this.inner.get(key);
  }
  async set(key: string, value: AccessToken) {
    this.check();
    return this.inner.set(key, value);
  }
  async delete(key: string, value: string) {
    this.check();
    return this.inner.delete(key, value);
  }
  async acquireLock(): Promise<ReleaseLock | undefined> {
    this.check();
    if (this.locked) return undefined;
    this.locked = true;
    return async () => {
      this.locked = false;
    };
  }
}

function setUp(store: TokenStore = new FlakyStore()) {
  const lines: string[] = [];
  const logger: ModuleLogger = {
    log: (line) => lines.push(`log: ${line}`),
    warn: (line) => lines.push(`warn: ${line}`),
    error: (line) => lines.push(`error: ${line}`),
    debug: () => undefined,
  };
  const metrics = new TokenMetrics(
    { dailyTokenBudget: 100, budgetWarnShare: 0.8, budgetUtcOffsetMinutes: 0 },
    logger,
    true,
  );
  return { link: new StoreLink(store, KEYS, logger, metrics), lines, metrics };
}

/** A holder of one token, as TokenRefresher is: takes a token only if it is newer. */
function holder(initial?: AccessToken): Follower & { held?: AccessToken } {
  const follower = {
    held: initial,
    onToken(offered: AccessToken) {
      const held = follower.held;
      if (held === undefined || offered.obtainedAt > held.obtainedAt) follower.held = offered;
    },
    current: () => follower.held,
  };
  return follower;
}

describe('StoreLink', () => {
  afterEach(() => jest.useRealTimers());

  it('hands back the newer token a store kept instead of an older write', async () => {
    const store = new FlakyStore();
    const { link } = setUp(store);
    await link.set(token('newer', 1_000));

    expect((await link.set(token('older', 5_000)))?.value).toBe('newer');
    expect(await link.set(token('newest'))).toBeUndefined();
    expect((await store.inner.get(KEYS.token))?.value).toBe('newest');
  });

  it('reads only usable tokens from the store, and says so once per bad value', async () => {
    const store = new FlakyStore();
    const { link, lines } = setUp(store);
    await store.inner.set(KEYS.token, { ...token('x'), tokenType: 'bad type' });

    expect(await link.get()).toBeUndefined();
    expect(await link.get()).toBeUndefined();
    expect(lines.filter((line) => line.includes('not a usable token'))).toHaveLength(1);
  });

  it('carries on alone while the store fails: no lock to wait for, one warning, one fallback', async () => {
    const store = new FlakyStore();
    const { link, lines, metrics } = setUp(store);
    store.down = true;

    expect(await link.get()).toBeUndefined();
    expect(await link.tryLock(1_000)).toBe(NO_LOCK);
    await link.set(token('alone'));
    expect(link.status).toEqual({ shared: true, healthy: false });
    expect(lines.filter((line) => line.startsWith('warn:'))).toHaveLength(1);
    const token0 = { valid: false, secondsToExpiry: null, consecutiveFailures: 0 };
    expect(metrics.snapshot(token0, 'platform').storeFallbacks).toBe(1);
  });

  it('once the store is back, adopts the newer stored token at once (no caller needed)', async () => {
    jest.useFakeTimers({ doNotFake: ['performance'] });
    const store = new FlakyStore();
    const { link, lines } = setUp(store);
    const follower = holder(token('mine', 5_000));
    link.follow(follower);
    store.down = true;
    await link.set(follower.held!); // fails: the link now rechecks on its own
    await store.inner.set(KEYS.token, token('a-peer-s', 1_000)); // written while we could not see
    store.down = false;

    await jest.advanceTimersByTimeAsync(600);

    expect(follower.held?.value).toBe('a-peer-s');
    expect(link.status.healthy).toBe(true);
    expect(lines.at(-1)).toBe('log: Token store is reachable again; sharing the token again');
  });

  it('once the store is back, publishes our token where the store has an older one or none', async () => {
    jest.useFakeTimers({ doNotFake: ['performance'] });
    const store = new FlakyStore();
    const { link } = setUp(store);
    const follower = holder(token('fetched-alone'));
    link.follow(follower);
    await store.inner.set(KEYS.token, token('before-the-outage', 10_000));
    store.down = true;
    expect(await link.get()).toBeUndefined();
    store.down = false;

    await jest.advanceTimersByTimeAsync(600);

    expect((await store.inner.get(KEYS.token))?.value).toBe('fetched-alone');
    expect(follower.held?.value).toBe('fetched-alone');
  });

  it('stops asking the store again once it is closed', async () => {
    jest.useFakeTimers({ doNotFake: ['performance'] });
    const store = new FlakyStore();
    let reads = 0;
    const get = store.get.bind(store);
    store.get = (key: string) => {
      reads++;
      return get(key);
    };
    const { link } = setUp(store);
    link.follow(holder());
    store.down = true;
    await link.get();
    await jest.advanceTimersByTimeAsync(1_100);
    const whileDown = reads;
    await link.close();
    await jest.advanceTimersByTimeAsync(5_000);

    expect(whileDown).toBe(3); // the caller's read, then one every 500 ms
    expect(reads).toBe(whileDown);
  });

  it('keeps the probe slot apart from the refresh lock', async () => {
    const taken: string[] = [];
    const store: TokenStore = {
      get: async () => undefined,
      set: async () => undefined,
      delete: async () => undefined,
      acquireLock: async (key) => {
        taken.push(key);
        return async () => undefined;
      },
    };
    const { link } = setUp(store);
    await link.tryLock(1_000);
    await link.tryProbeSlot(1_000);
    expect(taken).toEqual(['token:c', 'probe:token:c']);
  });
});
