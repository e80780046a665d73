import type { ModuleLogger } from '../fandeng-auth.logger.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { ReleaseLock, TokenStore } from '../interfaces/token-store.interface.js';
import type { TokenMetrics } from './token-metrics.js';
import { FandengShutdownError } from '../errors/fandeng-shutdown.error.js';
import { monotonicNow, pause } from './clock.js';
import { recheckToken, TOKEN_EXPIRED } from '../sources/token-shape.js';
import { isNewerToken } from '../stores/token-order.js';

/** How often a process that lost the refresh election looks at the store (pub/sub is faster). */
const PEER_POLL_MS = 100;
/**
 * While the store is failing, it is asked again this often, so the fleet converges on one token
 * within about this long of its return (a cheap read, only during an outage).
 */
const STORE_RECHECK_MS = 500;
/** Releases nothing: the lock of a store that has none, or that is down. */
export const NO_LOCK: ReleaseLock = async () => undefined;

/**
 * A process waits for a peer's token at most the peer's longest possible refresh flight plus
 * this, before fetching one itself. The peer's store keeps its lock alive while it lives (a dead
 * one's lock expires), so this only matters for a holder that is alive but stuck.
 */
const PEER_WAIT_MARGIN_MS = 5_000;

/** What a process tells the fleet when its token request failed in an outage. */
export interface CooldownNote {
  /** The failure's message (the module's errors never carry a secret). */
  message: string;
  /** The HTTP status of the failed answer, if there was one. */
  status?: number;
  /** Failed refreshes in a row, so the fleet's backoff keeps growing whoever fails next. */
  consecutive: number;
  /** Wall-clock ms of the failure. */
  at: number;
}

/** A note as stored, if it is one (anyone with write access may put anything there). */
function readCooldownNote(text: string): CooldownNote | undefined {
  try {
    const note = JSON.parse(text) as Partial<CooldownNote>;
    const { message, status, consecutive, at } = note;
    if (typeof message !== 'string' || !Number.isSafeInteger(consecutive)) return undefined;
    if (typeof at !== 'number' || (status !== undefined && typeof status !== 'number'))
      return undefined;
    return { message: message.slice(0, 500), status, consecutive: consecutive!, at };
  } catch {
    return undefined;
  }
}

/** The store keys of a registration (see `store-keys.ts`). */
export interface StoreKeys {
  /** Its token's key; the refresh lock and the channel are derived from it. */
  token: string;
  /** The fleet's daily count: the client's, shared by every registration of it. */
  count: string;
  /** The recovery probe's slot. */
  probe: string;
}

/** The holder of a registration's token, as the link sees it. */
export interface Follower {
  /** A newer token may be in: a peer's, or the store's after an outage. Takes it only if newer. */
  onToken(token: AccessToken): void;
  /** The token held now, if any. */
  current(): AccessToken | undefined;
}

/**
 * The token service's side of the store: one key, the refresh lock, the peers' announcements,
 * and the store's health. A failing store never fails a caller: every operation resolves
 * (`undefined`, or {@link NO_LOCK}), the service carries on with its own copy and single flight,
 * and the link says so once, and again when the store is back.
 */
export class StoreLink {
  private healthy = true;
  private readonly waiters = new Set<() => void>();
  /** The last unusable stored value, so it is logged once, not at every read. */
  private lastRefused?: string;
  /** Who holds this registration's token: told of newer ones, asked for its own (see {@link follow}). */
  private follower?: Follower;
  /** While the store is failing: the timer that asks it again (see {@link recheck}). */
  private recheckTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: TokenStore,
    private readonly keys: StoreKeys,
    private readonly logger: ModuleLogger,
    private readonly metrics: TokenMetrics,
  ) {}

  /** Shared by a fleet (it has a lock), and reachable right now. */
  get status(): { shared: boolean; healthy: boolean } {
    return { shared: this.store.acquireLock !== undefined, healthy: this.healthy };
  }

  /** The stored token, if it passes the checks a platform answer passes (any store, any writer). */
  async get(): Promise<AccessToken | undefined> {
    return this.vetted(await this.run('get', () => this.store.get(this.keys.token)));
  }

  /**
   * Stores `token` for the fleet. Resolves the stored token instead when the store kept a newer
   * one (a peer's token obtained later): the caller should use that one.
   */
  async set(token: AccessToken): Promise<AccessToken | undefined> {
    const kept = await this.run('set', () => this.store.set(this.keys.token, token));
    const newer = this.vetted(kept || undefined);
    return newer !== undefined && newer.value !== token.value ? newer : undefined;
  }

  /** Deletes the stored token only if it is still `value`. */
  async delete(value: string): Promise<void> {
    await this.run('delete', () => this.store.delete(this.keys.token, value));
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
    return this.takeLock(this.keys.token, holdMs);
  }

  /**
   * The fleet's recovery-probe slot for `holdMs`: one process probes for all. {@link NO_LOCK}
   * where nothing is shared, or while the store is failing (then each process probes alone).
   */
  tryProbeSlot(holdMs: number): Promise<ReleaseLock | undefined> {
    return this.takeLock(this.keys.probe, holdMs);
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
    return this.run('count', () => store.incrementTokenRequests!(this.keys.count, date));
  }

  /** The fleet's count of token requests on `date`, if the store keeps one. */
  getTokenRequests(date: string): Promise<number | undefined> {
    const { store } = this;
    if (store.getTokenRequests === undefined) return Promise.resolve(undefined);
    return this.run('read', () => store.getTokenRequests!(this.keys.count, date));
  }

  /**
   * Tells the fleet that the source is failing: no process sends a token request for `ttlMs`
   * (see {@link sharedCooldown}). Nothing where the store shares nothing.
   */
  async shareCooldown(note: CooldownNote, ttlMs: number): Promise<void> {
    if (!this.sharesCooldown) return;
    const text = JSON.stringify(note);
    await this.run('cooldown', () => this.store.setCooldown!(this.keys.token, text, ttlMs));
  }

  /** The source is back (a token, or a live probe): the fleet's cooldown ends. */
  async endCooldown(): Promise<void> {
    if (!this.sharesCooldown) return;
    await this.run('cooldown', () => this.store.setCooldown!(this.keys.token, '', 0));
  }

  /** The fleet's cooldown, while one lasts: another process's token request failed. */
  async sharedCooldown(): Promise<{ note: CooldownNote; remainingMs: number } | undefined> {
    if (!this.sharesCooldown) return undefined;
    const found = await this.run('cooldown', () => this.store.getCooldown!(this.keys.token));
    const note = found === undefined ? undefined : readCooldownNote(found.note);
    return note === undefined ? undefined : { note, remainingMs: found!.remainingMs };
  }

  /** Shared by a fleet (the store has a lock) and able to keep its cooldown (both methods). */
  private get sharesCooldown(): boolean {
    const { store } = this;
    return this.status.shared && store.setCooldown !== undefined && store.getCooldown !== undefined;
  }

  /**
   * Follows the store for the holder of the token: `onToken` gets each token a peer stores, and
   * when the store answers again after failing, the newest token wins at once, not at the next
   * refresh (see {@link reconcile}). Returns the unsubscribe function.
   */
  follow(follower: Follower): (() => void) | undefined {
    this.follower = follower;
    return this.store.subscribe?.(this.keys.token, (token) => {
      this.wakeWaiters();
      const vetted = this.vetted(token);
      if (vetted !== undefined) follower.onToken(vetted);
    });
  }

  /**
   * The store is back after failing. Processes that fetched alone meanwhile hold different
   * tokens, and the store may hold an older one, or none (a Redis restarted empty): the newer of
   * the stored token and ours goes to the other side. Every process that saw the outage does this,
   * and the store keeps the newest (`TokenStore.set`), so the fleet ends on one token.
   */
  private async reconcile(): Promise<void> {
    const follower = this.follower;
    if (follower === undefined) return;
    const stored = await this.get();
    const held = follower.current();
    if (stored !== undefined && (held === undefined || isNewerToken(stored, held))) {
      follower.onToken(stored);
      return;
    }
    if (held === undefined || held.value === stored?.value) return;
    if (Date.now() >= held.expiresAt.getTime()) return;
    const newer = await this.set(held);
    if (newer !== undefined) follower.onToken(newer);
  }

  /** While the store fails, ask it again now and then: nothing else may call it for an hour. */
  private recheck(): void {
    if (this.recheckTimer !== undefined) return;
    let pending = false;
    this.recheckTimer = setInterval(() => {
      if (pending) return;
      pending = true;
      void this.run('get', () => this.store.get(this.keys.token)).finally(() => {
        pending = false;
      });
    }, STORE_RECHECK_MS);
    this.recheckTimer.unref();
  }

  private stopRecheck(): void {
    clearInterval(this.recheckTimer);
    this.recheckTimer = undefined;
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
    this.follower = undefined;
    this.stopRecheck();
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
        this.stopRecheck();
        this.logger.log('Token store is reachable again; sharing the token again');
        void this.reconcile().catch(() => undefined); // a throwing logger: nothing to do
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
        if (this.follower !== undefined) this.recheck();
      }
      return undefined;
    }
  }
}
