/**
 * Pauses and schedules are kept on the monotonic clock: a wall-clock step (NTP, a VM resumed, an
 * operator) must not stretch a 5-second cooldown into an hour, nor end one early. Wall-clock
 * times (a token's `expiresAt`) are converted once, when they arrive.
 */
export function monotonicNow(): number {
  return performance.now();
}

/** The monotonic instant of a wall-clock time (epoch ms). */
export function toMonotonic(epochMs: number): number {
  return performance.now() + (epochMs - Date.now());
}

/**
 * The wall-clock date of a monotonic instant, for status and logs. Rounded up to the
 * millisecond: a reader who waits until this date has waited long enough.
 */
export function toWallClock(monotonic: number): Date {
  return new Date(Math.ceil(Date.now() + (monotonic - performance.now())));
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (never rejects). The global `setTimeout`
 * rather than `timers/promises`, so that a test's fake timers drive every pause of the module.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
