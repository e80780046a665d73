import { FandengTransportError } from './fandeng-transport.error.js';

/**
 * No token request was sent: this process has used its pace of token requests (a burst, then
 * `dailyTokenBudget` a day). Whatever the platform, a hub, the store or the options say, the
 * module never asks faster than that. `retryAfterMs` says when the next request may go.
 */
export class FandengPacedError extends FandengTransportError {
  constructor(message: string, retryAfterMs: number) {
    super(message, { retryAfterMs }, 'TOKEN_REQUESTS_PACED');
  }
}
