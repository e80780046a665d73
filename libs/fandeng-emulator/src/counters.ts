/**
 * What the emulator has seen, for tests to assert on. The object is live: the emulator updates
 * it in place, and `resetCounters()` zeroes it in place, so a held reference stays current.
 * No header, token or secret is ever stored here.
 */
export interface EmulatorCounters {
  /** Every request that reached the token path, whatever its outcome. */
  tokenRequests: number;
  /** Token requests answered 200 with a newly issued token. */
  tokensIssued: number;
  /**
   * Token requests answered with a status other than 200 (faults included), or dropped.
   * A fault that answers 200 with a broken body counts in neither this nor `tokensIssued`.
   */
  tokenErrors: number;
  /** Token requests per `client_id` query parameter, as sent (known client or not). */
  tokenRequestsByClient: Record<string, number>;
  /** Every request under `/api/`. */
  apiRequests: number;
  /** Protected API requests answered 200 for a valid token. */
  apiOk: number;
  /** Protected API requests answered 401, injected faults included. */
  apiUnauthorized: number;
}

export function createCounters(): EmulatorCounters {
  return {
    tokenRequests: 0,
    tokensIssued: 0,
    tokenErrors: 0,
    tokenRequestsByClient: {},
    apiRequests: 0,
    apiOk: 0,
    apiUnauthorized: 0,
  };
}

/** Zeroes `counters` in place (see {@link EmulatorCounters} for why not a new object). */
export function resetCounters(counters: EmulatorCounters): void {
  const fresh = createCounters();
  for (const key of Object.keys(counters.tokenRequestsByClient)) {
    delete counters.tokenRequestsByClient[key];
  }
  counters.tokenRequests = fresh.tokenRequests;
  counters.tokensIssued = fresh.tokensIssued;
  counters.tokenErrors = fresh.tokenErrors;
  counters.apiRequests = fresh.apiRequests;
  counters.apiOk = fresh.apiOk;
  counters.apiUnauthorized = fresh.apiUnauthorized;
}
