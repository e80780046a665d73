import type { ModuleLogger } from '../fandeng-auth.logger.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { ReleaseLock, TokenStore } from '../interfaces/token-store.interface.js';
import type { TokenMetrics } from './token-metrics.js';
import { FandengShutdownError } from '../errors/fandeng-shutdown.error.js';
import { monotonicNow, pause } from './clock.js';
import { recheckToken, TOKEN_EXPIRED } from '../sources/token-shape.js';

/** How often a process that lost the refresh election looks at the store (pub/sub is faster). */
const PEER_POLL_MS = 100;
/** Releases nothing: the lock of a store that has none, or that is down. */
export const NO_LOCK: ReleaseLock = async () => undefined;

/**
 * A process waits for a peer's token at most the peer's longest possible refresh flight plus
 * this, before fetching one itself. The peer's store keeps its lock alive while it lives (a dead
 * one's lock expires), so this only matters for a holder that is alive but stuck.
 */
const PEER_WAIT_MARGIN_MS = 5_000;

/**
 * The token service's side of the store: one key, the refresh lock, the peers' announcements,
 * and the store's health. A failing store never fails a caller: every operation resolves
 * (`undefined`, or {@link NO_LOCK}), the service carries on with its own copy and single flight,
 * and the link says so once, and again when the store is back.
 */
export class StoreLink {
  private healthy = true;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly store: TokenStore,
    private readonly key: string,
    private readonly logger: ModuleLogger,
    private readonly metrics: TokenMetrics,
    /** Key of the fleet's daily count: the client's, shared by every registration of it. */
    private readonly countKey = key,
  ) {}

  /** Shared by a fleet (it has a lock), and reachable right now. */
  /** The last unusable stored value, so it is logged once, not at every read. */
  private lastRefused?: string;

  get status(): { shared: boolean; healthy: boolean } {
    return { shared: this.store.acquireLock !== undefined, healthy: this.healthy };
  }

  /** The stored token, if it passes the checks a platform answer passes (any store, any writer). */
  async get(): Promise<AccessToken | undefined> {
    return this.vetted(await this.run('get', () => this.store.get(this.key)));
  }

  async set(token: AccessToken): Promise<void> {
    await this.run('set', () => this.store.set(this.key, token));
  }

  /** Deletes the stored token only if it is still `value`. */
  async delete(value: string): Promise<void> {
    await this.run('delete', () => this.store.delete(this.key, value));
  }

  /**
   * Runs `fetch` holding the fleet's refresh lock, so one process per cycle calls the source.
   * While another holds it, waits for that one's token (pub/sub, or a poll) and returns what
   * `adopt` finds; past the holder's longest flight (`flightMs`) plus a margin, fetches here all
   * the same. Without a shared store, just runs `fetch`.
   */
  async withRefreshLock<T>(
    flightMs: number,
    signal: AbortSignal,
    adopt: () => Promise<T | undefined>,
    fetch: () => Promise<T>,
  ): Promise<T> {
    let release: ReleaseLock | undefined;
    for (const deadline = monotonicNow() + flightMs + PEER_WAIT_MARGIN_MS; ;) {
      release = await this.tryLock(flightMs);
      if (release !== undefined) break;
      if (monotonicNow() >= deadline) {
        this.logger.warn('No token from the process holding the refresh lock; fetching one here');
        release = NO_LOCK;
        break;
      }
      await this.waitForPeer();
      if (signal.aborted) throw new FandengShutdownError();
      const adopted = await adopt();
      if (adopted !== undefined) return adopted;
    }
    try {
      return await fetch();
    } finally {
      await this.unlock(release);
    }
  }

  /**
   * The refresh lock, for at most `holdMs`; `undefined` while another process holds it;
   * {@link NO_LOCK} when there is none to take.
   */
  tryLock(holdMs: number): Promise<ReleaseLock | undefined> {
    return this.takeLock(this.key, holdMs);
  }

  /**
   * The fleet's recovery-probe slot for `holdMs`: one process probes for all. {@link NO_LOCK}
   * where nothing is shared, or while the store is failing (then each process probes alone).
   */
  tryProbeSlot(holdMs: number): Promise<ReleaseLock | undefined> {
    return this.takeLock(`${this.key}:probe`, holdMs);
  }

  private async takeLock(key: string, holdMs: number): Promise<ReleaseLock | undefined> {
    if (this.store.acquireLock === undefined) return NO_LOCK;
    let failed = false;
    const release = await this.run(
      'lock',
      () => this.store.acquireLock!(key, holdMs),
      () => {
        failed = true;
      },
    );
    return failed ? NO_LOCK : release;
  }

  async unlock(release: ReleaseLock): Promise<void> {
    if (release !== NO_LOCK) await this.run('unlock', release);
  }

  /** Counts a token request in the fleet's count of `date`; resolves the count, if the store keeps one. */
  incrementTokenRequests(date: string): Promise<number | undefined> {
    const { store } = this;
    if (store.incrementTokenRequests === undefined) return Promise.resolve(undefined);
    return this.run('count', () => store.incrementTokenRequests!(this.countKey, date));
  }

  /** The fleet's count of token requests on `date`, if the store keeps one. */
  getTokenRequests(date: string): Promise<number | undefined> {
    const { store } = this;
    if (store.getTokenRequests === undefined) return Promise.resolve(undefined);
    return this.run('read', () => store.getTokenRequests!(this.countKey, date));
  }

  /** Calls `onToken` with each token a peer stores; returns the unsubscribe function. */
  subscribe(onToken: (token: AccessToken) => void): (() => void) | undefined {
    return this.store.subscribe?.(this.key, (token) => {
      this.wakeWaiters();
      const vetted = this.vetted(token);
      if (vetted !== undefined) onToken(vetted);
    });
  }

  /**
   * A store is shared, and anyone with write access to it can put anything there: a token from
   * it is checked like a platform answer, and one that fails is logged (once per value) and
   * ignored, so the next refresh replaces it.
   */
  private vetted(token: AccessToken | undefined): AccessToken | undefined {
    if (token === undefined) return undefined;
    const checked = recheckToken(token, Date.now());
    if (typeof checked !== 'string') return checked;
    if (checked === TOKEN_EXPIRED) return undefined; // a token of ours that ran out: no news
    const text = String(token.value);
    const seen = `${text.length}:${text.slice(0, 64)}`;
    if (seen !== this.lastRefused) {
      this.lastRefused = seen;
      this.logger.warn(
        `The store holds something that is not a usable token (${checked}); ignoring it`,
      );
    }
    return undefined;
  }

  /** Resolves when a peer announces a token, or after a short poll interval. */
  waitForPeer(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        controller.abort();
        resolve();
      };
      const controller = new AbortController();
      this.waiters.add(wake);
      void pause(PEER_POLL_MS, controller.signal).then(wake);
    });
  }

  wakeWaiters(): void {
    for (const wake of this.waiters) wake(); // a Set tolerates deletion while iterated
  }

  async close(): Promise<void> {
    this.wakeWaiters();
    await this.store.close?.().catch(() => undefined);
  }

  private async run<T>(
    operation: string,
    run: () => Promise<T>,
    onError?: () => void,
  ): Promise<T | undefined> {
    try {
      const result = await run();
      if (!this.healthy) {
        this.healthy = true;
        this.logger.log('Token store is reachable again; sharing the token again');
      }
      return result;
    } catch (error) {
      onError?.();
      if (this.healthy) {
        this.healthy = false;
        this.metrics.count('storeFallbacks');
        this.logger.warn(
          `Token store ${operation} failed (${error instanceof Error ? error.message : String(error)}); ` +
            "carrying on with this process's own token until it is back",
        );
      }
      return undefined;
    }
  }
}
