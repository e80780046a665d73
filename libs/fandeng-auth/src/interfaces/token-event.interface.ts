/** Something the token service did, for observability. Carries a fingerprint, never a token. */
export interface TokenEvent {
  /**
   * `refresh-started`: this process is asking its source for a token (it holds the fleet lock,
   * if any); `fetched`: it got a first token (or one after the last ran out or was rejected);
   * `refreshed`: it got a new token in place of one it held; `adopted`: it took one another
   * process stored; `invalidated`: the platform rejected the current token; `failed`: a refresh
   * failed.
   */
  type: 'refresh-started' | 'fetched' | 'refreshed' | 'adopted' | 'invalidated' | 'failed';
  /** Fingerprint (`sha256:…`) of the token concerned, never the token. */
  fingerprint?: string;
  /** Where the token came from: the platform, a token hub, or the shared store. */
  source?: 'platform' | 'hub' | 'store';
  at: Date;
}
