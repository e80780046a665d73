import { Logger, type LoggerService } from '@nestjs/common';

/** The module's logging: Nest's `Logger` by default, the user's `LoggerService`, or nothing. */
export interface ModuleLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

const SILENT: ModuleLogger = { log() {}, warn() {}, error() {}, debug() {} };

/**
 * Calls the user's logger, swallowing what it throws: a logger that fails must not turn the
 * module's typed error into its own, nor stop the retry that the failure path schedules.
 */
function guarded(write: (message: string) => void): (message: string) => void {
  return (message) => {
    try {
      write(message);
    } catch {
      // Nothing sensible to do: the line is lost, the module goes on.
    }
  };
}

/** Lines must never carry a token or the secret: callers pass fingerprints, not values. */
export function createModuleLogger(
  option: LoggerService | false | undefined,
  context: string,
): ModuleLogger {
  if (option === false) return SILENT;
  const target = option ?? new Logger(context);
  const ctx = option ? context : undefined;
  return {
    log: guarded((message) => (ctx ? target.log(message, ctx) : target.log(message))),
    warn: guarded((message) => (ctx ? target.warn(message, ctx) : target.warn(message))),
    error: guarded((message) => (ctx ? target.error(message, ctx) : target.error(message))),
    debug: guarded((message) => (ctx ? target.debug?.(message, ctx) : target.debug?.(message))),
  };
}
