import type { SchedulerRegistry } from '@nestjs/schedule';
import { MAX_TIMER_DELAY_MS } from '../fandeng-auth.constants.js';
import { monotonicNow } from './clock.js';

/**
 * The one timer of a registration: the next refresh, or the retry after a cooldown. Listed in
 * the host app's `SchedulerRegistry` under `name` where the app has one (it imported
 * `ScheduleModule` itself); the module never registers the schedule module. Unref'd: a pending refresh never
 * keeps the process alive.
 */
export class RefreshTimer {
  private timer?: NodeJS.Timeout;
  /** When it fires (monotonic), while armed. */
  dueAt?: number;

  private fire: () => void = () => undefined;

  constructor(
    private readonly name: string,
    private readonly registry?: SchedulerRegistry,
  ) {}

  /** What runs when the timer fires (the registration's refresher sets it). */
  onFire(fire: () => void): void {
    this.fire = fire;
  }

  /** Fires at the monotonic instant `at` (at once if it has passed), replacing any earlier plan. */
  schedule(at: number): void {
    this.clear();
    this.dueAt = at;
    const delay = Math.max(0, at - monotonicNow());
    // Beyond 2^31-1 ms setTimeout fires at once; a long wait is taken in hops.
    const timer = setTimeout(
      () => {
        this.clear();
        if (delay > MAX_TIMER_DELAY_MS) this.schedule(at);
        else this.fire();
      },
      Math.min(delay, MAX_TIMER_DELAY_MS),
    );
    timer.unref();
    this.timer = timer;
    this.registry?.addTimeout(this.name, timer);
  }

  clear(): void {
    this.dueAt = undefined;
    const timer = this.timer;
    if (timer === undefined) return;
    this.timer = undefined;
    // Node frees a cleared timer's list only if the timer is ref'd; for an unref'd one the
    // empty list (one per distinct delay, and with jitter every delay differs) stays until its
    // due time, hours away: ~170 bytes per refresh in the soak. Re-ref it just before the
    // clear, in the same tick, so liveness does not change.
    timer.ref();
    clearTimeout(timer);
    // The host app may have removed it from its registry already (its own shutdown, a cleanup).
    if (this.registry?.doesExist('timeout', this.name)) this.registry.deleteTimeout(this.name);
  }
}
