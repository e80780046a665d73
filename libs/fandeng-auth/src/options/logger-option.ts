import { ValidateBy } from 'class-validator';

/** The value is an object with these methods (a store, a logger). */
export function hasMethods(value: unknown, names: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
  );
}

/**
 * `logger` is `false` or a `LoggerService`: the one check of that option, for the module's
 * options and the hub's alike.
 */
export function IsLoggerOption(): PropertyDecorator {
  return ValidateBy({
    name: 'isLoggerOption',
    validator: {
      validate: (value) => value === false || hasMethods(value, ['log', 'warn', 'error']),
      defaultMessage: () => 'logger must be false or a LoggerService (log, warn, error)',
    },
  });
}
