import type { AccessToken } from '../interfaces/access-token.interface.js';
import { MAX_CLOCK_SKEW_MS } from '../sources/token-shape.js';

/**
 * When the platform issued `token`, by the platform's own clock: its `expiration` less its
 * lifetime. `undefined` where the answer had no `expiration` (an RFC 6749 answer, some hubs).
 */
export function platformIssuedAt(token: AccessToken): number | undefined {
  const expiration = token.platformExpiration?.getTime();
  const issued = expiration === undefined ? NaN : expiration - token.expiresIn * 1000;
  return Number.isFinite(issued) ? issued : undefined;
}

/**
 * The one rule of a fleet's token order: a token replaces another only if it is newer. The
 * platform keeps only its newest token alive (an older one dies 5 minutes after a newer one is
 * issued), so a late write of an older token must never win over a newer one.
 *
 * Newer means issued later by the platform, when both tokens say when (one clock, the platform's,
 * to the millisecond): two processes whose requests overlap get their tokens in the order the
 * platform issued them, which their send times (`obtainedAt`, each process's clock) need not
 * follow. Otherwise, obtained later.
 *
 * `RedisTokenStore` applies the same rule inside Redis (its `SET_IF_NEWER` script), from the
 * `platformIssuedAt` and `obtainedAt` that `serializeToken` writes.
 */
export function isNewerToken(candidate: AccessToken, than: AccessToken): boolean {
  const [issued, other] = [platformIssuedAt(candidate), platformIssuedAt(than)];
  if (issued !== undefined && other !== undefined && issued !== other) return issued > other;
  return candidate.obtainedAt.getTime() > than.obtainedAt.getTime();
}

/**
 * Does a stored token keep `incoming` out? Only a newer one ({@link isNewerToken}), not dated
 * implausibly far in the future of this clock (someone's wrong clock or garbage must not lock the
 * key until it expires), and not expired.
 */
export function keepsStored(stored: AccessToken, incoming: AccessToken, now: number): boolean {
  return (
    isNewerToken(stored, incoming) &&
    stored.obtainedAt.getTime() <= now + MAX_CLOCK_SKEW_MS &&
    stored.expiresAt.getTime() > now
  );
}
