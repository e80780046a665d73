import {
  FandengAuthError,
  type FandengAuthErrorCode,
  type FandengAuthErrorDetails,
} from './fandeng-auth.error.js';

/** Extra detail of a transport failure. */
export interface FandengTransportErrorDetails extends FandengAuthErrorDetails {
  /** Milliseconds the platform asked us to wait (`Retry-After`), when it said. */
  retryAfterMs?: number;
}

/**
 * The token request did not get a usable answer: network error, timeout, 429 or 5xx.
 * These are transient and retried with backoff.
 */
export class FandengTransportError extends FandengAuthError {
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    details: FandengTransportErrorDetails = {},
    code: Extract<
      FandengAuthErrorCode,
      'TRANSPORT_ERROR' | 'TOKEN_REQUESTS_PACED'
    > = 'TRANSPORT_ERROR',
  ) {
    super(message, code, details);
    this.retryAfterMs = details.retryAfterMs;
  }

  override get retryable(): boolean {
    return true;
  }
}
