import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import {
  cooldownAfter,
  keepsRejectedToken,
  MAX_REJECTION_PAUSE_MS,
  minAgeToReplace,
  planRefresh,
} from './refresh-plan.js';
import { resolveOptions } from '../options/resolve-options.js';

const HOUR = 3_600_000;
const token = (lifetimeMs: number): AccessToken => ({
  value: 'v',
  tokenType: 'bearer',
  expiresIn: lifetimeMs / 1000,
  obtainedAt: new Date(0),
  expiresAt: new Date(lifetimeMs),
  scope: [],
});
const retry = { maxAttempts: 3, initialDelayMs: 500, maxDelayMs: 10_000, maxCooldownMs: 300_000 };

describe('planRefresh', () => {
  const options = { refreshAheadSeconds: 300, refreshAheadShare: 0.5, refreshJitter: 0.2 };

  it('refreshes between refreshAheadSeconds and 80% of it before expiry, never earlier', () => {
    const expiresAt = 2 * HOUR;
    const earliest = planRefresh(token(2 * HOUR), options, { expiresAt, random: () => 0 });
    const latest = planRefresh(token(2 * HOUR), options, { expiresAt, random: () => 1 });
    expect(earliest.refreshAt).toBe(expiresAt - 300_000);
    expect(latest.refreshAt).toBe(expiresAt - 240_000);
    expect(earliest.usableUntil).toBe(expiresAt - 1000);
  });

  it('caps the window at half a short lifetime', () => {
    const plan = planRefresh(token(10_000), options, { expiresAt: 10_000, random: () => 0 });
    expect(plan.refreshAt).toBe(5_000);
    expect(plan.usableUntil).toBe(9_000);
  });

  it('takes at most a tenth of the lifetime where refreshAheadSeconds is the default', () => {
    const resolved = resolveOptions({ clientId: 'c', clientSecret: 's' });
    const at = (lifetimeMs: number) =>
      planRefresh(token(lifetimeMs), resolved, { expiresAt: lifetimeMs, random: () => 0 })
        .refreshAt;
    expect(at(2 * HOUR)).toBe(2 * HOUR - 300_000); // the platform's overlap, as before
    expect(at(600_000)).toBe(540_000); // 60 s ahead: 11 % over the limit, not 300 s (twice)
    // A window the user chose keeps the cap at half the lifetime.
    const chosen = resolveOptions({ clientId: 'c', clientSecret: 's', refreshAheadSeconds: 300 });
    expect(
      planRefresh(token(600_000), chosen, { expiresAt: 600_000, random: () => 0 }).refreshAt,
    ).toBe(300_000);
  });

  it("follows a hub's renewal time, before the token becomes unusable", () => {
    const plan = planRefresh(token(2 * HOUR), options, {
      expiresAt: 2 * HOUR,
      renewedFrom: HOUR,
      random: () => 0,
    });
    expect(plan.refreshAt).toBe(HOUR);
  });
});

describe('cooldownAfter', () => {
  it('grows with each failure in a row, up to maxCooldownMs', () => {
    const error = new FandengTransportError('down');
    const pauses = [1, 2, 3, 10].map((n) => cooldownAfter(error, n, retry, () => 1));
    expect(pauses).toEqual([4_000, 8_000, 16_000, 300_000]);
  });

  it("honours the platform's Retry-After up to an hour, and pauses longest on bad credentials", () => {
    const asked = new FandengTransportError('busy', { retryAfterMs: 10 * HOUR });
    expect(cooldownAfter(asked, 1, retry, () => 0)).toBe(HOUR);
    const refused = new FandengCredentialsError('no', { error: 'invalid_client' });
    expect(cooldownAfter(refused, 1, retry)).toBe(300_000);
  });
});

describe('minAgeToReplace', () => {
  it('is minRefreshIntervalSeconds for the first rejection, then doubles up to an hour', () => {
    expect([0, 1, 2, 3].map((n) => minAgeToReplace(10, n))).toEqual([
      10_000, 20_000, 40_000, 80_000,
    ]);
    expect(minAgeToReplace(10, 40)).toBe(MAX_REJECTION_PAUSE_MS);
  });

  it('never lets repeated rejections through at once, whatever the option', () => {
    expect(minAgeToReplace(0, 0)).toBe(0);
    expect(minAgeToReplace(0, 1)).toBe(2_000);
  });
});

describe('keepsRejectedToken', () => {
  it('keeps a token younger than the minimum age, and never one with a negative age', () => {
    expect(keepsRejectedToken(9_999, 10_000)).toBe(true);
    expect(keepsRejectedToken(10_000, 10_000)).toBe(false);
    expect(keepsRejectedToken(0, 0)).toBe(false);
    expect(keepsRejectedToken(-1, 10_000)).toBe(false);
  });
});
