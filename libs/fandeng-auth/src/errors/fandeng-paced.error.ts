import { FandengAuthError } from './fandeng-auth.error.js';

/**
 * No token request was sent: this process has used its pace of token requests (a burst, then
 * `dailyTokenBudget` a day). Whatever the platform, a hub, the store or the options say, the
 * module never asks faster than that. `retryAfterMs` says when the next request may go.
 *
 * Not a {@link FandengTransportError}: nothing went over the network, so nothing says the source
 * is down (a hub consumer stays on its replica; a probe has nothing to watch for).
 */
export class FandengPacedError extends FandengAuthError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message, 'TOKEN_REQUESTS_PACED');
    this.retryAfterMs = retryAfterMs;
  }

  /** The next request may go after `retryAfterMs`. */
  override get retryable(): boolean {
    return true;
  }
}
