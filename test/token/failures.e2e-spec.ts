import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { firstValueFrom, take, timeout } from 'rxjs';
import {
  FandengCredentialsError,
  FandengMalformedResponseError,
  FandengPlatformError,
  FandengTransportError,
} from 'nestjs-fandeng-auth';
import {
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

describe('TokenService when the platform fails', () => {
  let emulator: FandengPlatformEmulator;
  let harness: TokenHarness | undefined;

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await emulator.stop();
  });

  it('retries transient faults with backoff, then recovers', async () => {
    emulator.injectFault({ type: 'status', status: 503, body: 'busy' }, 1);
    emulator.injectFault({ type: 'drop' }, 1);
    harness = await bootTokens(emulator);
    const value = await harness.tokens.getAccessToken();

    expect(emulator.isValid(value)).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(3);
    expect(harness.tokens.getStatus().consecutiveFailures).toBe(0);
  });

  it('honours Retry-After between attempts', async () => {
    emulator.injectFault({ type: 'status', status: 429, headers: { 'Retry-After': '1' } }, 1);
    harness = await bootTokens(emulator, {
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2000 },
    });
    const started = Date.now();
    await harness.tokens.getAccessToken();

    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('stops at a Retry-After longer than the backoff cap, and waits it out before asking again', async () => {
    emulator.injectFault({ type: 'status', status: 503, headers: { 'Retry-After': '120' } }, 1);
    harness = await bootTokens(emulator);
    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengTransportError);
    expect(error).toMatchObject({ status: 503, retryAfterMs: 120_000 });
    expect(await rejectionOf(harness.tokens.getAccessToken())).toBe(error);
    expect(harness.tokens.getStatus().cooldownUntil!.getTime()).toBeGreaterThan(
      Date.now() + 110_000,
    );
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('never retries invalid_client, and does not ask again during the cooldown', async () => {
    harness = await bootTokens(emulator, {
      clientSecret: 'wrong-secret',
      retry: { maxAttempts: 5, maxCooldownMs: 60_000 },
    });
    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect(error).toMatchObject({
      code: 'INVALID_CLIENT',
      error: 'invalid_client',
      errorDescription: 'Bad client credentials',
    });
    await rejectionOf(harness.tokens.getAccessToken());
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('never retries another 4xx', async () => {
    emulator.injectFault(
      { type: 'body', status: 400, body: '{"error":"invalid_scope","error_description":"nope"}' },
      5,
    );
    harness = await bootTokens(emulator);
    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengPlatformError);
    expect(error).toMatchObject({ error: 'invalid_scope', status: 400 });
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('hints at the IP whitelist when the gateway refuses the caller', async () => {
    emulator.configure({ ipAllowlist: ['10.1.2.3'] });
    harness = await bootTokens(emulator);
    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect(error.message).toMatch(/whitelist/);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it.each([
    ['an HTML page', { type: 'body', body: '<html>login</html>', contentType: 'text/html' }],
    ['an empty body', { type: 'body', body: '' }],
    ['truncated JSON', { type: 'body', body: '{"value":"abc","expires' }],
    ['no value', { type: 'body', body: '{"expiresIn":7199,"tokenType":"bearer"}' }],
    ['expiresIn 0', { type: 'body', body: '{"value":"abc","expiresIn":0}' }],
    ['a negative expiresIn', { type: 'body', body: '{"value":"abc","expiresIn":-1}' }],
    ['a string expiresIn', { type: 'body', body: '{"value":"abc","expiresIn":"two hours"}' }],
  ] as const)('refuses %s and caches nothing', async (_, fault) => {
    emulator.injectFault(fault, 3);
    harness = await bootTokens(emulator);
    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengMalformedResponseError);
    expect(harness.tokens.getStatus()).toMatchObject({ state: 'none', consecutiveFailures: 1 });
    expect(emulator.counters.tokenRequests).toBe(3);

    // After the cooldown the next call fetches a proper token: nothing bad was kept.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const value = await harness.tokens.getAccessToken();
    expect(emulator.isValid(value)).toBe(true);
  });

  it('times out a platform that does not answer, and one that trickles', async () => {
    emulator.injectFault({ type: 'delay', ms: 2000 }, 1);
    emulator.injectFault(
      { type: 'trickle', body: '{"value":"abc","expiresIn":100}', chunkDelayMs: 100 },
      1,
    );
    harness = await bootTokens(emulator, {
      requestTimeoutMs: 150,
      retry: { maxAttempts: 2, initialDelayMs: 1 },
    });
    const started = Date.now();
    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengTransportError);
    expect(error.message).toMatch(/no answer within 150 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('reports a refused connection as a transport error', async () => {
    const url = emulator.url;
    await emulator.stop();
    harness = await bootTokens(emulator, {
      baseUrl: url,
      retry: { maxAttempts: 2, initialDelayMs: 1 },
    });
    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengTransportError);
    expect(error.message).toMatch(/ECONNREFUSED/);
    emulator = await startEmulator();
  });

  it('bounds token requests under a persistent outage, whatever the callers do', async () => {
    emulator.injectFault({ type: 'status', status: 500 }, 10_000);
    // The cooldown after the failed refresh is 80-160 ms; the callers below take a few ms.
    harness = await bootTokens(emulator, {
      retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 40, maxCooldownMs: 60_000 },
    });
    await Promise.all(
      Array.from({ length: 200 }, () => harness!.tokens.getAccessToken().catch(() => undefined)),
    );
    for (let i = 0; i < 200; i++) await harness.tokens.getAccessToken().catch(() => undefined);

    expect(emulator.counters.tokenRequests).toBe(3);
    expect(harness.tokens.getStatus().consecutiveFailures).toBe(1);
  });

  it('keeps serving the current token while refreshes fail', async () => {
    harness = await bootTokens(emulator);
    const current = await harness.tokens.getAccessToken();
    emulator.injectFault({ type: 'status', status: 502 }, 100);

    await expect(harness.tokens.refresh()).rejects.toBeInstanceOf(FandengTransportError);
    expect(await harness.tokens.getAccessToken()).toBe(current);
    expect(harness.tokens.getStatus()).toMatchObject({ state: 'valid', consecutiveFailures: 1 });
    expect(harness.tokens.getStatus().lastError?.code).toBe('TRANSPORT_ERROR');
    // The retry was scheduled: it gets through once the platform is back.
    const next = firstValueFrom(harness.tokens.tokenChanges$.pipe(take(1), timeout(2000)));
    emulator.clearFaults();
    expect((await next).value).not.toBe(current);
    expect(await harness.tokens.getAccessToken()).not.toBe(current);
    expect(harness.tokens.getStatus().consecutiveFailures).toBe(0);
  });

  it('makes one attempt per cooldown after a failed refresh', async () => {
    const cooldown = 40;
    emulator.injectFault({ type: 'status', status: 500 }, 1000);
    harness = await bootTokens(emulator, {
      retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5, maxCooldownMs: cooldown },
    });
    await rejectionOf(harness.tokens.getAccessToken());
    expect(emulator.counters.tokenRequests).toBe(3);
    // Hammer for a while: callers get the last error, and the scheduled retries make one
    // attempt each, at least half a cooldown apart (equal jitter), never three.
    const start = Date.now();
    for (let i = 0; i < 200 && Date.now() - start < 240; i++) {
      await rejectionOf(harness.tokens.getAccessToken());
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    const elapsed = Date.now() - start;
    const later = emulator.counters.tokenRequests - 3;

    expect(later).toBeGreaterThanOrEqual(1);
    expect(later).toBeLessThanOrEqual(Math.ceil(elapsed / (cooldown / 2)) + 1);
  });
});
