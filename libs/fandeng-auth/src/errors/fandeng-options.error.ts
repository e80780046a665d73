import { FandengAuthError } from './fandeng-auth.error.js';

/** The module's options are invalid. Thrown at boot, naming every bad field at once. */
export class FandengOptionsError extends FandengAuthError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid FandengAuthModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'INVALID_OPTIONS',
    );
  }
}
