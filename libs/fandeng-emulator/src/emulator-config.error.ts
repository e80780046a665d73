/** Thrown when options or a fault are invalid; lists every problem at once, not just the first. */
export class EmulatorConfigError extends Error {
  readonly code = 'EMULATOR_INVALID_CONFIG';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid emulator configuration: ${problems.join('; ')}`);
    this.name = new.target.name;
  }
}
