import { FandengAuthError } from './fandeng-auth.error.js';

/** The module is shutting down: a pending token request was abandoned. */
export class FandengShutdownError extends FandengAuthError {
  constructor() {
    super('The token service is shutting down', 'SHUTDOWN');
  }
}
