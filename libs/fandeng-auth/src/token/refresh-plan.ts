import { MAX_RETRY_AFTER_MS } from '../fandeng-auth.constants.js';
import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { retryAfterOf } from '../sources/token-failure.js';
import { backoffDelay } from './backoff.js';
import { toMonotonic } from './clock.js';

// The refresh plan: when to hand a token out until, when to refresh it, how long to pause after a
// failure or a rejection. Pure functions of their inputs (the clock and the dice are passed in),
// so each rule is tested alone (refresh-plan.spec.ts); the refresher (token-refresher.ts) and the
// hub (TokenHubService) carry them out.

/** The longest a rejected token must have lived before another rejection replaces it. */
export const MAX_REJECTION_PAUSE_MS = 3_600_000;

/** When a held token is handed out until, and when it is refreshed: monotonic instants. */
export interface TokenPlan {
  /** Hand it out until then (expiry less a small margin for the request in flight). */
  usableUntil: number;
  /** The scheduled refresh time, jitter included. */
  refreshAt: number;
}

/** What {@link planRefresh} needs to know besides the token. */
export interface PlanInput {
  /** The token's expiry on the monotonic clock (`toMonotonic(token.expiresAt)`). */
  expiresAt: number;
  /** Where the source said it will have a newer token (a hub), on the monotonic clock. */
  renewedFrom?: number;
  random?: () => number;
}

/**
 * The plan for a token: refresh `refreshAheadSeconds` before expiry at most (capped at
 * `refreshAheadShare` of the lifetime: a tenth by default, half for a window the user set), with
 * jitter that only ever moves it later; for a hub's token, when the hub renews.
 */
export function planRefresh(
  token: AccessToken,
  options: Pick<
    ResolvedFandengAuthOptions,
    'refreshAheadSeconds' | 'refreshAheadShare' | 'refreshJitter'
  >,
  { expiresAt, renewedFrom, random = Math.random }: PlanInput,
): TokenPlan {
  const lifetime = token.expiresAt.getTime() - token.obtainedAt.getTime();
  const usableUntil = expiresAt - Math.min(1000, lifetime / 10);
  const window = Math.min(options.refreshAheadSeconds * 1000, lifetime * options.refreshAheadShare);
  // Jitter only moves the refresh later, so it never starts earlier than refreshAheadSeconds.
  let refreshAt = expiresAt - window + random() * window * options.refreshJitter;
  if (renewedFrom !== undefined) {
    // The source (a hub) says when it will have a newer token: ask then, spread over a moment.
    refreshAt = Math.min(
      renewedFrom + random() * Math.min(5000, lifetime / 50),
      usableUntil - lifetime / 50,
    );
  }
  return { usableUntil, refreshAt };
}

/**
 * The pause after the `consecutiveFailures`-th failed refresh in a row: growing backoff for a
 * transient fault (the platform's `Retry-After` honoured up to an hour, so a far-future date
 * cannot stop refreshing for good), the longest pause for a permanent one.
 */
export function cooldownAfter(
  error: FandengAuthError,
  consecutiveFailures: number,
  retry: ResolvedFandengAuthOptions['retry'],
  random: () => number = Math.random,
): number {
  const { initialDelayMs, maxAttempts, maxCooldownMs } = retry;
  if (!error.retryable) return maxCooldownMs;
  const asked = retryAfterOf(error) ?? 0;
  return Math.max(
    backoffDelay(maxAttempts + consecutiveFailures, initialDelayMs, maxCooldownMs, random),
    Math.min(asked, MAX_RETRY_AFTER_MS),
  );
}

/**
 * The one rule for a rejected token: keep it while it is younger than `minAgeMs`, as a token that
 * fails right after issue points at another fault, and replacing it would only spend the quota.
 * A negative age (a clock step, a source's future date) does not keep a token for ever. The
 * module's refresher and the token hub both decide with it.
 */
export function keepsRejectedToken(ageMs: number, minAgeMs: number): boolean {
  return ageMs >= 0 && ageMs < minAgeMs;
}

/**
 * How old the held token must be before a rejection replaces it: `minRefreshIntervalSeconds`
 * for the first, doubling for each further one in a row (at least a second, at most an hour).
 * An API that answers 401 for reasons of its own then costs a few dozen requests a day.
 */
export function minAgeToReplace(
  minRefreshIntervalSeconds: number,
  consecutiveRejections: number,
): number {
  const base = minRefreshIntervalSeconds * 1000;
  if (consecutiveRejections === 0) return base;
  return Math.min(
    MAX_REJECTION_PAUSE_MS,
    Math.max(base, 1000) * 2 ** Math.min(consecutiveRejections, 32),
  );
}

/**
 * The plan as a provider of the registration: the functions above bound to its options, on the
 * monotonic clock. Override it (`overrideProvider(RefreshPlanner)`) to change when tokens refresh.
 */
export class RefreshPlanner {
  constructor(
    private readonly options: Pick<
      ResolvedFandengAuthOptions,
      | 'refreshAheadSeconds'
      | 'refreshAheadShare'
      | 'refreshJitter'
      | 'retry'
      | 'minRefreshIntervalSeconds'
    >,
  ) {}

  /** The plan of `token`; `renewedFrom` is a wall-clock instant (a hub's renewal). */
  plan(token: AccessToken, renewedFrom?: number): TokenPlan {
    return planRefresh(token, this.options, {
      expiresAt: toMonotonic(token.expiresAt.getTime()),
      renewedFrom: renewedFrom === undefined ? undefined : toMonotonic(renewedFrom),
    });
  }

  /** The pause after the `consecutiveFailures`-th failed refresh in a row. */
  cooldown(error: FandengAuthError, consecutiveFailures: number): number {
    return cooldownAfter(error, consecutiveFailures, this.options.retry);
  }

  /** How old the held token must be before a rejection replaces it. */
  minAgeToReplace(consecutiveRejections: number): number {
    return minAgeToReplace(this.options.minRefreshIntervalSeconds, consecutiveRejections);
  }
}
