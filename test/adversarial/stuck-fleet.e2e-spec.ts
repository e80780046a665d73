import { jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { Redis } from 'ioredis';
import { FandengTransportError, RedisTokenStore } from 'nestjs-fandeng-auth';
import { REDIS_URL, deleteUnder, testPrefix } from '../support/redis.js';
import {
  CLIENT_ID,
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';
import { HOUR_MS, bootSimulated, platformToken, SimulatedSource } from './simulated-platform.js';

/** No fleet stays broken until a restart, whatever is in the store, the logger or the clock. */
describe('adversarial: no stuck fleet', () => {
  let emulator: FandengPlatformEmulator;
  let redis: Redis;
  let prefix: string;
  let harness: TokenHarness | undefined;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => redis.disconnect());
  beforeEach(async () => {
    emulator = await startEmulator();
    prefix = testPrefix();
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await deleteUnder(redis, prefix);
    await emulator.stop();
  });

  const tokenKey = () => `${prefix}token:${CLIENT_ID}`;
  const boot = (options = {}) =>
    bootTokens(emulator, {
      store: new RedisTokenStore({ client: redis, keyPrefix: prefix }),
      ...options,
    });

  it('ignores a stored token obtained in the future, and replaces it from the platform', async () => {
    const now = Date.now();
    await redis.set(
      tokenKey(),
      JSON.stringify({
        value: 'planted',
        tokenType: 'bearer',
        expiresIn: 7200,
        obtainedAt: new Date(now + 86_400_000).toISOString(),
        expiresAt: new Date(now + 90_000_000).toISOString(),
        scope: [],
      }),
    );
    harness = await boot();

    const value = await harness.tokens.getAccessToken();

    expect(value).not.toBe('planted'); // before the fix: the planted token, kept for ever
    expect(emulator.isValid(value)).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(1);
    expect(JSON.parse((await redis.get(tokenKey()))!).value).toBe(value);
    const warnings = harness.logger.lines.filter((line) => line.includes('not a usable token'));
    expect(warnings).toEqual([
      'WARN The store holds something that is not a usable token (the token was obtained in the future); ignoring it',
    ]);
  });

  it.each([
    ['garbage text', (key: string) => redis.set(key, '{not json')],
    ['a JSON array', (key: string) => redis.set(key, '[1,2,3]')],
    [
      'a hash',
      async (key: string) => {
        await redis.del(key);
        await redis.hset(key, 'value', 'x');
      },
    ],
  ])('keeps the store healthy when the token key holds %s', async (_, write) => {
    harness = await boot();
    const value = await harness.tokens.getAccessToken();
    await write(tokenKey());

    await harness.tokens.invalidate(value); // compare-and-delete over someone else's data
    const next = await harness.tokens.getAccessToken();

    expect(harness.tokens.getStatus().store).toEqual({ shared: true, healthy: true });
    expect(next).not.toBe(value);
    expect(JSON.parse((await redis.get(tokenKey()))!).value).toBe(next); // overwritten
    expect(harness.logger.lines.filter((line) => line.includes('Redis'))).toEqual([]);
  });

  it('a logger whose error() throws still gets the caller a typed error, and the retry is scheduled', async () => {
    const throwing: LoggerService = {
      log: () => undefined,
      warn: () => undefined,
      error: () => {
        throw new Error('the log pipeline is down');
      },
    };
    emulator.injectFault({ type: 'status', status: 503 }, Infinity);
    harness = await bootTokens(emulator, { logger: throwing });

    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengTransportError); // before: the logger's Error
    expect(harness.tokens.getStatus().nextRefreshAt).toBeInstanceOf(Date);
  });
});

describe('adversarial: a wall clock that steps back', () => {
  afterEach(() => jest.useRealTimers());

  it('does not stretch a cooldown of seconds into the size of the step', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    let failing = true;
    const source = new SimulatedSource(() =>
      failing ? { status: 503, body: '' } : platformToken(7200),
    );
    const booted = await bootSimulated(source);
    let settled = false;
    const failed = rejectionOf(booted.tokens.getAccessToken()).finally(() => (settled = true));
    // Three attempts with backoff, then a short cooldown: the pauses run on the fake clock.
    while (!settled) await jest.advanceTimersByTimeAsync(50);
    await failed;
    expect(source.tokenRequests).toBe(3);
    const cooldownMs = booted.tokens.getStatus().cooldownUntil!.getTime() - Date.now();
    expect(cooldownMs).toBeLessThan(10_000);
    failing = false;

    jest.setSystemTime(Date.now() - HOUR_MS); // NTP, a resumed VM, an operator
    await jest.advanceTimersByTimeAsync(cooldownMs + 100);

    expect(source.tokenRequests).toBe(4); // before the fix: still 3, for an hour
    expect(booted.tokens.getStatus()).toMatchObject({ state: 'valid', consecutiveFailures: 0 });
    await booted.module.close();
  });
});
