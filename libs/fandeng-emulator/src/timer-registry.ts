/**
 * Every wait the emulator makes (latency, delay and trickle faults) goes through here, so
 * `stop()` can clear them all and leave no timer to keep a test process alive.
 */
export class TimerRegistry {
  private readonly pending = new Map<NodeJS.Timeout, (elapsed: boolean) => void>();
  private closed = false;

  /**
   * Resolves true after `ms`, or false if {@link close} runs first. Once closed, resolves false
   * at once: a handler still finishing while the server stops must not start a new timer.
   */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve(true);
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  /** Accepts new waits again (the emulator started again after a stop). */
  open(): void {
    this.closed = false;
  }

  /** Cancels every pending wait, and every later one until {@link open}. */
  close(): void {
    this.closed = true;
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve(false);
    }
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
