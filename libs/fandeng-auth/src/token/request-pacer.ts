/** Milliseconds in a day: the platform's limit is a daily one. */
const DAY_MS = 86_400_000;

/**
 * The floor under every schedule: a token bucket over monotonic time. It holds `burst` requests
 * and gains `(perDay - burst)` a day, so however often refreshes, retries, rejections or a
 * hostile answer ask, at most `perDay` requests leave in any day. A normal day (a dozen refreshes
 * and a few retries) never notices it.
 */
export class RequestPacer {
  readonly burst: number;
  /** Milliseconds between two requests once the burst is spent. */
  readonly intervalMs: number;
  private available: number;
  private updatedAt: number;

  constructor(
    perDay: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    // 1 % of the day's requests at once, at least 10 (or the whole budget, if smaller).
    this.burst = Math.min(100_000, Math.max(Math.min(10, perDay), Math.floor(perDay / 100)));
    this.intervalMs = DAY_MS / Math.max(1, perDay - this.burst);
    this.available = this.burst;
    this.updatedAt = this.now();
  }

  /** Takes one request if one is available; otherwise the milliseconds until one will be. */
  take(): { ok: true } | { ok: false; waitMs: number } {
    this.refill();
    if (this.available >= 1) {
      this.available -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil((1 - this.available) * this.intervalMs) };
  }

  private refill(): void {
    const now = this.now();
    // A monotonic clock never steps back; the guard keeps a faked one from minting requests.
    const elapsed = Math.max(0, now - this.updatedAt);
    this.available = Math.min(this.burst, this.available + elapsed / this.intervalMs);
    this.updatedAt = now;
  }
}
