import { FandengAuthError, type FandengAuthErrorDetails } from './fandeng-auth.error.js';

/**
 * The platform refused the credentials (`invalid_client`), or refused the caller before looking
 * at them (401/403 without an OAuth2 body: usually an IP that is not on the whitelist).
 * Retrying cannot help.
 */
export class FandengCredentialsError extends FandengAuthError {
  constructor(message: string, details: FandengAuthErrorDetails = {}) {
    super(
      message,
      details.error === 'invalid_client' ? 'INVALID_CLIENT' : 'ACCESS_DENIED',
      details,
    );
  }
}
