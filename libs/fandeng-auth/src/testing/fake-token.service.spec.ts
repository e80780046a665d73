import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import type { TokenEvent } from '../interfaces/token-event.interface.js';
import { DEFAULT_FAKE_TOKEN, FakeTokenService } from './fake-token.service.js';

describe('FakeTokenService', () => {
  it('holds a token from the start, with the lifetime asked for', async () => {
    const fake = new FakeTokenService({ expiresInSeconds: 60 });
    const token = await fake.getToken();

    expect(token.value).toBe(DEFAULT_FAKE_TOKEN);
    expect(token.expiresAt.getTime() - token.obtainedAt.getTime()).toBe(60_000);
    expect(fake.peekToken()).toBe(token);
    expect(fake.getStatus()).toMatchObject({
      state: 'valid',
      fingerprint: expect.stringMatching(/^sha256:/),
    });
  });

  it('fails exactly the next N obtaining calls, and hides the token from peekToken meanwhile', async () => {
    const fake = new FakeTokenService({ token: 't1' });
    const refused = new FandengCredentialsError('refused', { error: 'invalid_client' });
    fake.failNext(refused, 2);

    expect(fake.peekToken()).toBeUndefined();
    await expect(fake.getAccessToken()).rejects.toBe(refused);
    await expect(fake.refresh()).rejects.toBe(refused);
    await expect(fake.getAccessToken()).resolves.toBe('t1');
    expect(fake.calls).toMatchObject({ getAccessToken: 2, refresh: 1, peekToken: 1 });
    expect(fake.getMetrics().refreshes).toEqual({
      succeeded: 0,
      failed: 2,
      failedByCode: { INVALID_CLIENT: 2 },
      heldOff: 0,
    });
    expect(() => fake.failNext(refused, 0)).toThrow(RangeError);
  });

  it('refresh() and rotate() announce a new token; setToken() does not', async () => {
    const fake = new FakeTokenService();
    const seen: string[] = [];
    const events: TokenEvent['type'][] = [];
    fake.tokenChanges$.subscribe((t) => seen.push(t.value));
    fake.events$.subscribe((e) => events.push(e.type));

    fake.setToken('quiet');
    const refreshed = await fake.refresh();
    fake.rotate('loud');

    expect(seen).toEqual([refreshed.value, 'loud']);
    expect(refreshed.value).not.toBe('quiet');
    expect(events).toEqual(['fetched', 'fetched']);
  });

  it('records invalidate() and drops only the current token', async () => {
    const fake = new FakeTokenService({ token: 'current' });
    await fake.invalidate('older');
    expect(fake.peekToken()?.value).toBe('current');
    await fake.invalidate('current');

    expect(fake.invalidated).toEqual(['older', 'current']);
    expect(fake.peekToken()).toBeUndefined();
    expect(await fake.getAccessToken()).not.toBe('current');
    fake.resetCalls();
    expect(fake.calls.invalidate).toBe(0);
    expect(fake.invalidated).toEqual([]);
  });

  it('completes its streams on module destroy', () => {
    const fake = new FakeTokenService();
    let completed = false;
    fake.tokenChanges$.subscribe({ complete: () => (completed = true) });
    fake.onModuleDestroy();
    expect(completed).toBe(true);
  });
});
