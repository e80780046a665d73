/** Something the token service did, for observability. Carries a fingerprint, never a token. */
export interface TokenEvent {
  /**
   * `refresh-started`: this process is calling the platform (it holds the fleet lock, if any);
   * `fetched`: it got a new token; `adopted`: it took one another process stored;
   * `invalidated`: the platform rejected the current token; `failed`: a refresh failed.
   */
  type: 'refresh-started' | 'fetched' | 'adopted' | 'invalidated' | 'failed';
  fingerprint?: string;
  at: Date;
}
