import { FandengAuthError, type FandengAuthErrorDetails } from './fandeng-auth.error.js';

/** The platform answered with an OAuth2 error other than `invalid_client` (a 4xx: not retried). */
export class FandengPlatformError extends FandengAuthError {
  constructor(message: string, details: FandengAuthErrorDetails = {}) {
    super(message, 'PLATFORM_ERROR', details);
  }
}
