// `nestjs-fandeng-auth/testing`: for the tests of apps that use the module. Kept out of the main
// entry, so production code never loads the fake or the emulator.
export {
  FandengAuthTestingModule,
  getFakeTokenServiceToken,
  type FandengAuthTestingOptions,
} from './fandeng-auth-testing.module.js';
export {
  DEFAULT_FAKE_EXPIRES_IN_SECONDS,
  DEFAULT_FAKE_TOKEN,
  FakeTokenService,
  type FakeTokenMethod,
  type FakeTokenOptions,
  type TokenServiceSurface,
} from './fake-token.service.js';
/**
 * The axios adapter under the module's token requests (the socket): override it
 * (`.overrideProvider(FANDENG_TOKEN_ADAPTER).useValue(adapter)`) to simulate the platform's
 * answers under fake timers, days of them in seconds. Everything above the socket stays real.
 */
export { FANDENG_TOKEN_ADAPTER } from '../fandeng-auth.constants.js';
// The emulator stays its own library (libs/fandeng-emulator); the build compiles it into the
// package's `emulator/` folder, which the package.json `imports` field names `#emulator`.
export {
  API_PREFIX,
  DEFAULT_EMULATOR_CLIENTS,
  ECHO_PATH,
  EmulatorConfigError,
  FandengPlatformEmulator,
  TOKEN_PATH,
  decodeJwtPayload,
  type EmulatorCounters,
  type EmulatorFault,
  type EmulatorJwtClaims,
  type EmulatorOptions,
  type EmulatorResponseFormat,
} from '#emulator';
