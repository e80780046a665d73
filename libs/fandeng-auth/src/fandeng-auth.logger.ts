import { Logger, type LoggerService } from '@nestjs/common';

/** The module's logging: Nest's `Logger` by default, the user's `LoggerService`, or nothing. */
export interface ModuleLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

const SILENT: ModuleLogger = { log() {}, warn() {}, error() {}, debug() {} };

/** Lines must never carry a token or the secret: callers pass fingerprints, not values. */
export function createModuleLogger(
  option: LoggerService | false | undefined,
  context: string,
): ModuleLogger {
  if (option === false) return SILENT;
  const target = option ?? new Logger(context);
  const ctx = option ? context : undefined;
  return {
    log: (message) => (ctx ? target.log(message, ctx) : target.log(message)),
    warn: (message) => (ctx ? target.warn(message, ctx) : target.warn(message)),
    error: (message) => (ctx ? target.error(message, ctx) : target.error(message)),
    debug: (message) => (ctx ? target.debug?.(message, ctx) : target.debug?.(message)),
  };
}
