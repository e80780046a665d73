/** `TokenService.getMetrics()`: counters since start and the token's gauges. Nothing secret. */
export interface FandengAuthMetrics {
  tokenRequests: {
    /** Where this process's token requests go: the platform, or a token hub. */
    source: 'platform' | 'hub';
    /** Token requests since start (every attempt, retries included). */
    total: number;
    /** This process's token requests since midnight of the platform's day (`budgetUtcOffsetMinutes`). */
    today: number;
    /**
     * On a shared store (Redis): the whole fleet's token requests today, as of this process's
     * last token request or adopted token (usually one refresh cycle old at most; a peer's
     * failed attempts show at this process's next request or adoption). `0` from the platform's
     * midnight until then. `null` without a shared store.
     */
    fleetToday: number | null;
    /** `dailyTokenBudget`. */
    dailyBudget: number;
    /** The larger of `today` and `fleetToday`, over `dailyBudget`: what the budget warnings use. */
    shareOfBudget: number;
  };
  refreshes: {
    /** New tokens obtained from the source. */
    succeeded: number;
    /** Refreshes that ended in an error (after their retries). */
    failed: number;
    /** `failed` by error code (`TRANSPORT_ERROR`, `INVALID_CLIENT`, `MALFORMED_RESPONSE`, ...). */
    failedByCode: Record<string, number>;
    /**
     * Refreshes this process did not send because another process's token request had just
     * failed in an outage (the fleet's cooldown, shared stores only).
     */
    heldOff: number;
  };
  /** Tokens taken from the shared store (another process fetched them). */
  adopted: number;
  /** Tokens dropped because the platform rejected them. */
  invalidated: number;
  /** Requests replayed with a new token after a 401. */
  unauthorizedReplays: number;
  /** Times the shared store failed and this process carried on alone. */
  storeFallbacks: number;
  /** Probing for the source's recovery during an outage (`recoveryProbeIntervalMs`). */
  recovery: {
    /** Probing right now: refreshes fail, callers are refused, and the source is asked if it is back. */
    probing: boolean;
    /** Probes sent since start (they cost no quota). */
    probes: number;
    /** From the first failed refresh of the last outage to the token that ended it, in ms; `null` before any. */
    lastRecoveryMs: number | null;
  };
  token: {
    /** A usable token is held. */
    valid: boolean;
    /** Seconds until the held token expires; `null` without one. */
    secondsToExpiry: number | null;
    /** Failed refreshes in a row. */
    consecutiveFailures: number;
  };
}
