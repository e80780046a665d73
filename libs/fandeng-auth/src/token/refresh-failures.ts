import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { probeCanSeeEnd } from '../sources/token-failure.js';
import { monotonicNow } from './clock.js';

/**
 * The failed refreshes of an outage: how many in a row, the last error, the cooldown before the
 * next attempt, and how long the outage lasted once a token is back. State only: the refresher
 * decides, this remembers.
 */
export class RefreshFailures {
  /** Failed refreshes in a row. */
  consecutive = 0;
  last?: { error: FandengAuthError; at: Date };
  /** No refresh before this monotonic instant (after a failure). */
  cooldownUntil = 0;
  /** How long the last outage lasted (ms), from its first failure to the next token. */
  lastRecoveryMs: number | null = null;
  /** Wall-clock ms of the first failed refresh of the current outage. */
  private outageStartedAt?: number;

  /** A refresh failed with `error`; the next attempt waits `cooldownMs`. */
  record(error: FandengAuthError, cooldownMs: number): void {
    this.consecutive++;
    this.last = { error, at: new Date() };
    this.cooldownUntil = monotonicNow() + cooldownMs;
    this.outageStartedAt ??= Date.now();
  }

  /**
   * Another process's refresh failed (`consecutive` in a row across the fleet): this one takes
   * that count, if higher, and the fleet's remaining cooldown, as if it had failed itself.
   */
  recordShared(error: FandengAuthError, consecutive: number, cooldownMs: number): void {
    this.consecutive = Math.max(this.consecutive, consecutive - 1);
    this.record(error, cooldownMs);
  }

  /** A refresh succeeded: the count and the cooldown start over. */
  succeeded(): void {
    this.consecutive = 0;
    this.last = undefined;
    this.cooldownUntil = 0;
  }

  /** The error to refuse callers with while cooling down, if the service is. */
  refusal(now = monotonicNow()): FandengAuthError | undefined {
    return this.last !== undefined && now < this.cooldownUntil ? this.last.error : undefined;
  }

  /** A probe saw the source answer again: the next attempt need not wait. */
  endCooldown(): void {
    this.cooldownUntil = 0;
  }

  /** A token is here: the outage's length if one just ended, else `undefined`. */
  endOutage(): number | undefined {
    if (this.outageStartedAt === undefined) return undefined;
    this.lastRecoveryMs = Date.now() - this.outageStartedAt;
    this.outageStartedAt = undefined;
    return this.lastRecoveryMs;
  }

  /**
   * Is the last failure one a probe can see end ({@link probeCanSeeEnd}), while cooling down?
   */
  probeCanHelp(now = monotonicNow()): boolean {
    const error = this.last?.error;
    return error !== undefined && probeCanSeeEnd(error) && now < this.cooldownUntil;
  }
}
