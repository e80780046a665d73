import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { firstValueFrom, skip, take, timeout } from 'rxjs';
import {
  CLIENT_ID,
  bootTokens,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

describe('TokenService against the emulator', () => {
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

  it('fetches a token the platform accepts, with its metadata', async () => {
    harness = await bootTokens(emulator);
    const before = Date.now();
    const token = await harness.tokens.getToken();

    expect(emulator.isValid(token.value)).toBe(true);
    expect(token.value).toBe(emulator.lastIssued(CLIENT_ID));
    expect(token.tokenType).toBe('bearer');
    expect(token.scope).toEqual(['ALL']);
    expect(token.jti).toMatch(/^[0-9a-f-]{36}$/);
    // expiresIn (7200) counted from the local clock at receipt.
    expect(token.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 7200_000);
    expect(token.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 7200_000);
    expect(await harness.tokens.getAccessToken()).toBe(token.value);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('leaves no connection open after a token call (token calls are hours apart)', async () => {
    const sockets = () =>
      process.getActiveResourcesInfo().filter((type) => type === 'TCPSocketWrap').length;
    harness = await bootTokens(emulator);
    const before = sockets();
    await harness.tokens.getAccessToken();
    // With a kept-alive agent the socket would idle on (5 s, the server's keep-alive timeout).
    for (let i = 0; i < 100 && sockets() > before; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));

    expect(sockets()).toBe(before);
  });

  it('serves later calls from the cache', async () => {
    harness = await bootTokens(emulator);
    const first = await harness.tokens.getAccessToken();
    for (let i = 0; i < 100; i++) expect(await harness.tokens.getAccessToken()).toBe(first);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('makes one token request for 500 concurrent first callers', async () => {
    emulator.configure({ tokenLatencyMs: 30 });
    harness = await bootTokens(emulator);
    const values = await Promise.all(
      Array.from({ length: 500 }, () => harness!.tokens.getAccessToken()),
    );

    expect(new Set(values).size).toBe(1);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('refreshes before expiry, serving the old token until the new one is in', async () => {
    emulator.configure({ tokenLifetimeSeconds: 2 });
    harness = await bootTokens(emulator, { refreshAheadSeconds: 0.8, refreshJitter: 0.2 });
    const next = firstValueFrom(harness.tokens.tokenChanges$.pipe(skip(1), take(1), timeout(3000)));
    const first = await harness.tokens.getToken();
    expect(harness.tokens.getStatus().nextRefreshAt!.getTime()).toBeGreaterThanOrEqual(
      first.expiresAt.getTime() - 800,
    );

    const second = await next;
    expect(Date.now()).toBeLessThan(first.expiresAt.getTime());
    expect(first.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(800);
    expect(second.value).not.toBe(first.value);
    expect(await harness.tokens.getAccessToken()).toBe(second.value);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('caps the refresh window below a short lifetime, so it still refreshes in time', async () => {
    emulator.configure({ tokenLifetimeSeconds: 2 });
    harness = await bootTokens(emulator, { refreshAheadSeconds: 300 });
    const first = await harness.tokens.getToken();
    const refreshAt = harness.tokens.getStatus().nextRefreshAt!.getTime();

    // Half the lifetime at most (1 s before expiry), jitter included; not at once.
    expect(refreshAt).toBeGreaterThanOrEqual(first.expiresAt.getTime() - 1000);
    expect(refreshAt).toBeLessThan(first.expiresAt.getTime());
  });

  it("registers its refresh timer with the host app's SchedulerRegistry and removes it on close", async () => {
    harness = await bootTokens(emulator, {}, [ScheduleModule.forRoot()]);
    await harness.tokens.getToken();
    const registry = harness.module.get(SchedulerRegistry);
    expect(registry.getTimeouts().filter((name) => name.startsWith('fandeng-auth:'))).toHaveLength(
      1,
    );

    await harness.module.close();
    expect(registry.getTimeouts()).toEqual([]);
    harness = undefined;
  });

  it('refresh() forces a new token', async () => {
    harness = await bootTokens(emulator);
    const first = await harness.tokens.getAccessToken();
    const second = await harness.tokens.refresh();

    expect(second.value).not.toBe(first);
    expect(await harness.tokens.getAccessToken()).toBe(second.value);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('invalidate() drops the rejected token once; stale reports are ignored', async () => {
    harness = await bootTokens(emulator);
    const first = await harness.tokens.getAccessToken();
    await harness.tokens.invalidate(first);
    const second = await harness.tokens.getAccessToken();
    await harness.tokens.invalidate(first); // a late report about the old token
    const third = await harness.tokens.getAccessToken();

    expect(second).not.toBe(first);
    expect(third).toBe(second);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('keeps a token rejected right after issue (minRefreshIntervalSeconds)', async () => {
    harness = await bootTokens(emulator, { minRefreshIntervalSeconds: 60 });
    const first = await harness.tokens.getAccessToken();
    await harness.tokens.invalidate(first);

    expect(await harness.tokens.getAccessToken()).toBe(first);
    expect(emulator.counters.tokenRequests).toBe(1);
    expect(
      harness.logger.lines.some((l) => l.startsWith('WARN') && l.includes('minRefreshInterval')),
    ).toBe(true);
  });

  it('handles tokens of several KiB', async () => {
    emulator.configure({ minTokenLength: 6000 });
    harness = await bootTokens(emulator);
    const value = await harness.tokens.getAccessToken();

    expect(value.length).toBeGreaterThanOrEqual(6000);
    expect(emulator.isValid(value)).toBe(true);
  });

  it('works against a standard RFC 6749 token endpoint', async () => {
    emulator.configure({ responseFormat: 'rfc6749' });
    harness = await bootTokens(emulator);
    const token = await harness.tokens.getToken();

    expect(emulator.isValid(token.value)).toBe(true);
    expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now() + 7000_000);
  });

  it('fetches at startup with fetchOnStart', async () => {
    harness = await bootTokens(emulator, { fetchOnStart: true });
    await firstValueFrom(harness.tokens.tokenChanges$.pipe(take(1), timeout(2000)));
    expect(harness.tokens.getStatus().state).toBe('valid');
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('reports its state without the token', async () => {
    harness = await bootTokens(emulator);
    expect(harness.tokens.getStatus()).toMatchObject({ state: 'none', tokenRequests: 0 });
    const value = await harness.tokens.getAccessToken();
    const status = harness.tokens.getStatus();

    expect(status).toMatchObject({ state: 'valid', consecutiveFailures: 0, tokenRequests: 1 });
    expect(status.fingerprint).toMatch(/^sha256:[0-9a-f]{8}$/);
    expect(JSON.stringify(status)).not.toContain(value);
  });
});
