/** What an {@link AddressCounter} knows of one address in its current window. */
export interface AddressCount {
  count: number;
  /** Milliseconds until the address's window ends (0 when it has none). */
  msLeft: number;
}

/**
 * Counts events per address in fixed windows, synchronously: a check and its count happen in
 * one turn of the event loop, so requests pipelined on one connection, or sent at once on many,
 * are counted one by one and none of them passes a limit by arriving while another awaits.
 * Bounded: past `maxAddresses`, ended windows are dropped, then the oldest.
 */
export class AddressCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxAddresses = 100_000,
    /** The clock (monotonic ms); a test may pass its own. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The address's count now, without counting. */
  peek(address: string): AddressCount {
    const window = this.current(address);
    return window === undefined
      ? { count: 0, msLeft: 0 }
      : { count: window.count, msLeft: window.endsAt - this.now() };
  }

  /** Counts one event of `address` and returns its count in the window. */
  add(address: string): AddressCount {
    let window = this.current(address);
    if (window === undefined) {
      this.makeRoom();
      window = { count: 0, endsAt: this.now() + this.windowMs };
      this.windows.set(address, window);
    }
    window.count++;
    return { count: window.count, msLeft: window.endsAt - this.now() };
  }

  private current(address: string): { count: number; endsAt: number } | undefined {
    const window = this.windows.get(address);
    if (window !== undefined && window.endsAt <= this.now()) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  private makeRoom(): void {
    if (this.windows.size < this.maxAddresses) return;
    const now = this.now();
    for (const [address, window] of this.windows) {
      if (window.endsAt <= now) this.windows.delete(address);
    }
    // Still full: the oldest windows go first (a Map iterates in insertion order).
    for (const address of this.windows.keys()) {
      if (this.windows.size < this.maxAddresses) break;
      this.windows.delete(address);
    }
  }
}
