/** What the token service can say about itself; safe to expose (no token, no secret). */
export interface TokenStatus {
  /** `valid`: a usable token is held; `expired`: the last one ran out; `none`: never had one. */
  state: 'valid' | 'expired' | 'none';
  /** Fingerprint of the current token (`sha256:…`), never the token. */
  fingerprint?: string;
  expiresAt?: Date;
  obtainedAt?: Date;
  /** When the next scheduled refresh is due. */
  nextRefreshAt?: Date;
  /** When the last token was obtained or adopted. */
  lastRefreshAt?: Date;
  /** A refresh is under way. */
  refreshing: boolean;
  /** Failed refreshes in a row (0 once one succeeds). */
  consecutiveFailures: number;
  /** The last failure, while failing: its code and message. */
  lastError?: { code: string; message: string; at: Date };
  /** No token request is made before this time (backoff after failures). */
  cooldownUntil?: Date;
  /** Probing for the source's recovery (an outage, callers refused): see `recoveryProbeIntervalMs`. */
  probing: boolean;
  /** Token requests sent to the platform by this process since start. */
  tokenRequests: number;
  /** The token store: shared by a fleet, and reachable right now. */
  store: { shared: boolean; healthy: boolean };
}
