import type { StoreLink } from './store-link.js';
import type { TokenMetrics } from './token-metrics.js';

/**
 * The fleet's daily count of token requests, kept in the shared store: each request this process
 * sends is counted there, and each token it adopts reads the count back (whoever fetched it
 * counted it), so `getMetrics().tokenRequests.fleetToday` is at most a cycle old. Store calls run
 * in the background; {@link settle} waits for the ones still on their way (shutdown).
 */
export class FleetCounter {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly link: StoreLink,
    private readonly metrics: TokenMetrics,
    private readonly signal: AbortSignal,
  ) {}

  /** A token request is leaving: count it here and, on a shared store, fleet-wide. */
  countRequest(): void {
    const date = this.metrics.tokenRequest(); // undefined where requests go to a hub
    if (date !== undefined) this.sync(date, () => this.link.incrementTokenRequests(date));
  }

  /** A peer's token was adopted: read the fleet's count. */
  readAfterAdoption(): void {
    const date = this.metrics.platformDate(); // undefined where requests go to a hub
    if (date !== undefined) this.sync(date, () => this.link.getTokenRequests(date));
  }

  /** Resolves when every count and read in flight has settled. */
  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  private sync(date: string, ask: () => Promise<number | undefined>): void {
    if (this.signal.aborted) return;
    const pending = ask()
      .then((count) => {
        if (count !== undefined) this.metrics.recordFleetCount(date, count);
      })
      .catch(() => undefined); // a logger that throws must not fail shutdown
    this.pending.add(pending);
    void pending.finally(() => this.pending.delete(pending));
  }
}
