export {
  FandengAuthError,
  type FandengAuthErrorCode,
  type FandengAuthErrorDetails,
} from './fandeng-auth.error.js';
export { FandengCredentialsError } from './fandeng-credentials.error.js';
export { FandengMalformedResponseError } from './fandeng-malformed-response.error.js';
export { FandengOptionsError } from './fandeng-options.error.js';
export { FandengPacedError } from './fandeng-paced.error.js';
export { FandengPlatformError } from './fandeng-platform.error.js';
export { FandengShutdownError } from './fandeng-shutdown.error.js';
export {
  FandengTransportError,
  type FandengTransportErrorDetails,
} from './fandeng-transport.error.js';
