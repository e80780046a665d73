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
 * Base class of every error the module throws. `code` is stable and meant for programs;
 * the message is for people. Neither ever contains the client secret or a token.
 */
export class FandengAuthError extends Error {
  readonly status?: number;
  readonly error?: string;
  readonly errorDescription?: string;

  constructor(
    message: string,
    readonly code: string,
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
