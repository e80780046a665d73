/** What a {@link FandengAuthError} may carry besides its message. */
export interface FandengAuthErrorDetails {
  /** The cause, already stripped of anything secret (never a raw `AxiosError`). */
  cause?: unknown;
  /** HTTP status of the platform's answer, when there was one. */
  status?: number;
  /** The platform's `error` field (OAuth2 error code), when it sent one. */
  error?: string;
  /** The platform's `error_description`, when it sent one. */
  errorDescription?: string;
}

/**
 * The stable codes of {@link FandengAuthError}, one per kind of failure:
 * - `INVALID_OPTIONS`: the module's options are wrong (thrown at boot, names the field);
 * - `INVALID_CLIENT` / `ACCESS_DENIED`: the platform refused the credentials (or this IP);
 * - `PLATFORM_ERROR`: the platform answered with another error;
 * - `MALFORMED_RESPONSE`: the answer was not a usable token (never cached);
 * - `TRANSPORT_ERROR`: no usable answer (network, timeout, 429, 5xx): retried with backoff;
 * - `TOKEN_REQUESTS_PACED`: this process reached its own pace of token requests (`dailyTokenBudget`,
 *   or `hub.requestsPerDay` for a hub consumer);
 * - `SHUTDOWN`: the token service is shutting down.
 */
export type FandengAuthErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_CLIENT'
  | 'ACCESS_DENIED'
  | 'PLATFORM_ERROR'
  | 'MALFORMED_RESPONSE'
  | 'TRANSPORT_ERROR'
  | 'TOKEN_REQUESTS_PACED'
  | 'SHUTDOWN';

/**
 * Base class of every error the module throws. `code` is stable and meant for programs;
 * the message is for people. Neither ever contains the client secret or a token.
 */
export class FandengAuthError extends Error {
  readonly status?: number;
  readonly error?: string;
  readonly errorDescription?: string;

  constructor(
    message: string,
    readonly code: FandengAuthErrorCode,
    details: FandengAuthErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.error = details.error;
    this.errorDescription = details.errorDescription;
  }

  /** Can trying again later help? Subclasses for permanent faults say no. */
  get retryable(): boolean {
    return false;
  }
}
