import { MAX_EXPIRES_IN_SECONDS } from '../fandeng-auth.constants.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';

/**
 * One shape for a token, wherever it comes from (the platform, a hub, the shared store): each
 * source maps its wire format to a {@link TokenCandidate} and this file decides. Nothing here
 * trusts the source: every length, time and character is bounded, because the value goes into
 * an HTTP header and the times drive timers that spend the daily quota.
 */

/** The platform asks for 512+ characters of storage; far beyond that is not a token. */
export const MAX_TOKEN_LENGTH = 16_384;
/** The shortest lifetime accepted: below a second, no refresh schedule makes sense. */
export const MIN_EXPIRES_IN_SECONDS = 1;
/** How far ahead of our clock a source's "obtained at" may be (another machine's clock). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const MAX_SCOPES = 64;
const MAX_SHORT_TEXT = 256;
/** Ten years: a platform `expiration` outside now ± this is noise, not a date. */
const PLAUSIBLE_DATE_RANGE_MS = 10 * 365 * 24 * 3600_000;

// Visible ASCII only, so a hostile answer cannot inject a header or a control character.
const TOKEN_VALUE = /^[\x21-\x7e]+$/;
// An HTTP auth-scheme is a `token` (RFC 9110): no space, no CR/LF, no separator.
const TOKEN_TYPE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}$/;

/** The reason {@link checkToken} gives for a token that was fine until it ran out. */
export const TOKEN_EXPIRED = 'the token has expired';

/** A token as a source described it, before any check. Times are epoch milliseconds. */
export interface TokenCandidate {
  value: unknown;
  tokenType: unknown;
  expiresIn: unknown;
  obtainedAt: number;
  expiresAt: number;
  scope?: unknown;
  jti?: unknown;
  platformExpiration?: unknown;
}

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** Is `value` a lifetime in seconds we accept (the platform's `expiresIn`)? */
function isLifetime(value: unknown): value is number {
  return (
    isFiniteNumber(value) && value >= MIN_EXPIRES_IN_SECONDS && value <= MAX_EXPIRES_IN_SECONDS
  );
}

function shortText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_SHORT_TEXT ? value : undefined;
}

function scopes(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return list
    .map(shortText)
    .filter((scope): scope is string => Boolean(scope))
    .slice(0, MAX_SCOPES);
}

function plausibleDate(value: unknown, now: number): Date | undefined {
  if (!isFiniteNumber(value) || Math.abs(value - now) > PLAUSIBLE_DATE_RANGE_MS) return undefined;
  return new Date(value);
}

/**
 * The token, or the reason it is not one (a sentence fragment, never containing the value).
 * `now` is the local clock (epoch ms).
 */
export function checkToken(candidate: TokenCandidate, now: number): AccessToken | string {
  const { value, tokenType, expiresIn, obtainedAt, expiresAt } = candidate;
  if (typeof value !== 'string' || value.length === 0) return '`value` missing or not a string';
  if (value.length > MAX_TOKEN_LENGTH)
    return `\`value\` longer than ${MAX_TOKEN_LENGTH} characters`;
  if (!TOKEN_VALUE.test(value)) return '`value` has characters outside visible ASCII';
  if (typeof tokenType !== 'string' || !TOKEN_TYPE.test(tokenType)) {
    return '`tokenType` is not an HTTP auth scheme (1-32 token characters)';
  }
  if (!isLifetime(expiresIn)) {
    return `\`expiresIn\` is not a number of seconds in [${MIN_EXPIRES_IN_SECONDS}, ${MAX_EXPIRES_IN_SECONDS}]`;
  }
  if (!isFiniteNumber(obtainedAt) || obtainedAt > now + MAX_CLOCK_SKEW_MS) {
    return 'the token was obtained in the future';
  }
  if (!isFiniteNumber(expiresAt)) return 'the token has no expiry';
  if (expiresAt <= now) return TOKEN_EXPIRED;
  if (expiresAt <= obtainedAt || expiresAt - obtainedAt > MAX_EXPIRES_IN_SECONDS * 1000) {
    return 'the token lives longer than any lifetime the platform gives';
  }
  return {
    value,
    tokenType,
    expiresIn,
    obtainedAt: new Date(obtainedAt),
    expiresAt: new Date(expiresAt),
    scope: scopes(candidate.scope),
    jti: shortText(candidate.jti),
    platformExpiration: plausibleDate(candidate.platformExpiration, now),
  };
}

/** Checks a token that is already an `AccessToken` in form (from a store) by the same rules. */
export function recheckToken(token: AccessToken, now: number): AccessToken | string {
  const time = (date: unknown) => (date instanceof Date ? date.getTime() : NaN);
  return checkToken(
    {
      value: token.value,
      tokenType: token.tokenType,
      expiresIn: token.expiresIn,
      obtainedAt: time(token.obtainedAt),
      expiresAt: time(token.expiresAt),
      scope: token.scope,
      jti: token.jti,
      platformExpiration: time(token.platformExpiration),
    },
    now,
  );
}
