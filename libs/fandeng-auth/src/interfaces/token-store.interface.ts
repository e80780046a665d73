import type { AccessToken } from './access-token.interface.js';

/** Releases a lock taken with {@link TokenStore.acquireLock}. */
export type ReleaseLock = () => Promise<void>;

/**
 * Where tokens are kept between requests. The default keeps them in memory; a shared store lets
 * several processes use one token. Keys are namespaced by client id by the caller.
 */
export interface TokenStore {
  /** The stored token, or `undefined`. An expired token may be returned; the caller checks. */
  get(key: string): Promise<AccessToken | undefined>;
  /**
   * Store a token; it may be dropped once it expires. Shared stores tell the other processes.
   * A token never replaces a newer one (a write that arrives late must not bring back an older
   * token; compare `obtainedAt`): a store that keeps the newer one resolves it, so the caller can
   * use it instead. Stores that do not compare resolve nothing.
   */
  set(key: string, token: AccessToken): Promise<AccessToken | void>;
  /** Remove the token, but only while it is still `value` (compare-and-delete). */
  delete(key: string, value: string): Promise<void>;
  /**
   * Shared stores: take the fleet-wide refresh lock for `key`, so one process calls the
   * platform per cycle. Resolves a release function, or `undefined` while another process holds
   * it. The lock must expire by itself, so a crashed holder cannot stall the fleet. `holdMs` is
   * the longest the caller may hold it (its whole refresh flight, retries included): a store
   * that keeps a live holder's lock alive stops doing so after that.
   */
  acquireLock?(key: string, holdMs?: number): Promise<ReleaseLock | undefined>;
  /** Shared stores: be told of tokens other processes store. Returns the unsubscribe function. */
  subscribe?(key: string, listener: (token: AccessToken) => void): () => void;
  /**
   * Shared stores: count one token request of the fleet under `key` on `date` (the platform's
   * date, `YYYY-MM-DD`) and resolve the day's total, so the daily budget is the fleet's.
   */
  incrementTokenRequests?(key: string, date: string): Promise<number>;
  /** Shared stores: the fleet's token requests under `key` on `date` so far (`0` for none). */
  getTokenRequests?(key: string, date: string): Promise<number>;
  /**
   * Shared stores: keep the fleet's cooldown after a failed token request under `key`: `note`
   * (text the module writes and reads, never a secret) for `ttlMs`; `ttlMs <= 0` removes it.
   * With these, a fleet in a platform outage sends one failing request per cooldown, not one
   * per process.
   */
  setCooldown?(key: string, note: string, ttlMs: number): Promise<void>;
  /** Shared stores: the cooldown note under `key` and the milliseconds it has left, if any. */
  getCooldown?(key: string): Promise<{ note: string; remainingMs: number } | undefined>;
  /** Release what the store owns (connections). Called when the module shuts down. */
  close?(): Promise<void>;
}
