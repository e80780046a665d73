import type { AccessToken } from '../interfaces/access-token.interface.js';
import { MAX_CLOCK_SKEW_MS } from '../sources/token-shape.js';

/**
 * The one rule of a fleet's token order: a token replaces another only if it was obtained later.
 * The platform keeps only its newest token alive (an older one dies 5 minutes after a newer one is
 * issued), so a late write of an older token must never win over a newer one.
 *
 * `RedisTokenStore` applies the same rule inside Redis (its `SET_IF_NEWER` script), where it
 * compares the same `obtainedAt` as ISO-8601 text.
 */
export function isNewerToken(candidate: AccessToken, than: AccessToken): boolean {
  return candidate.obtainedAt.getTime() > than.obtainedAt.getTime();
}

/**
 * Does a stored token keep `incoming` out? Only a token obtained later, and not implausibly far in
 * the future of this clock (someone's wrong clock or garbage must not lock the key until it
 * expires), and not expired.
 */
export function keepsStored(stored: AccessToken, incoming: AccessToken, now: number): boolean {
  return (
    isNewerToken(stored, incoming) &&
    stored.obtainedAt.getTime() <= now + MAX_CLOCK_SKEW_MS &&
    stored.expiresAt.getTime() > now
  );
}
