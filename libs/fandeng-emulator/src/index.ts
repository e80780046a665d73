export { FandengPlatformEmulator } from './emulator.js';
export {
  DEFAULT_DAILY_QUOTA,
  DEFAULT_EMULATOR_CLIENTS,
  DEFAULT_EMULATOR_PORT,
  DEFAULT_FRACTIONAL_EXPIRES_IN,
  DEFAULT_MIN_TOKEN_LENGTH,
  DEFAULT_OMIT_EXPIRATION,
  DEFAULT_OVERLAP_SECONDS,
  DEFAULT_RESPONSE_FORMAT,
  DEFAULT_TOKEN_LATENCY_MS,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  EMULATOR_HOST,
  type EmulatorOptions,
  type EmulatorResponseFormat,
} from './emulator-options.js';
export type { EmulatorCounters } from './counters.js';
export type { EmulatorFault } from './faults.js';
export { EmulatorConfigError } from './emulator-config.error.js';
export { decodeJwtPayload, type EmulatorJwtClaims } from './jwt.js';
export { TOKEN_PATH } from './token-endpoint.js';
export { API_PREFIX, ECHO_PATH } from './api-endpoint.js';
export type { FandengTokenBody, Rfc6749TokenBody } from './token-response.js';
