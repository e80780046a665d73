import { FandengAuthError, type FandengAuthErrorDetails } from './fandeng-auth.error.js';

/**
 * The platform answered 200 with something that is not a usable token (HTML, an empty body,
 * no `value`, a bad `expiresIn`). Never cached. Retried like a transport fault, since a proxy
 * page or a half-deployed platform is usually transient.
 */
export class FandengMalformedResponseError extends FandengAuthError {
  constructor(message: string, details: FandengAuthErrorDetails = {}) {
    super(message, 'MALFORMED_RESPONSE', details);
  }

  override get retryable(): boolean {
    return true;
  }
}
