// The public API: what a user types. Defaults are documented in the README's option table and in
// each option's JSDoc; injection tokens and constants stay inside. docs/api.md lists every name,
// and test/package/api-surface.e2e-spec.ts fails when this file and that list disagree.
export { FandengAuthModule } from './fandeng-auth.module.js';
export {
  InjectFandengFetch,
  InjectFandengHealthIndicator,
  InjectFandengHttpService,
  InjectTokenService,
} from './fandeng-auth.decorators.js';
export {
  getFandengFetchToken,
  getFandengHealthIndicatorToken,
  getFandengHttpServiceToken,
  getTokenServiceToken,
} from './fandeng-auth.providers.js';
export {
  FandengHealthIndicator,
  type FandengHealthDetails,
} from './health/fandeng-health.indicator.js';
export type {
  FandengAuthAsyncOptions,
  FandengAuthModuleExtras,
} from './fandeng-auth.module-definition.js';
export * from './errors/index.js';
export type { AccessToken } from './interfaces/access-token.interface.js';
export type {
  FandengAuthModuleOptions,
  FandengHubClientOptions,
  FandengRetryOptions,
} from './interfaces/fandeng-auth-options.interface.js';
export type { FandengAuthMetrics } from './interfaces/fandeng-auth-metrics.interface.js';
export type { TokenEvent } from './interfaces/token-event.interface.js';
export type { TokenStatus } from './interfaces/token-status.interface.js';
export { FandengHttpService } from './http/fandeng-http.service.js';
export {
  FandengFetch,
  type FandengFetchFunction,
  type FandengFetchOptions,
  type FandengRequestInit,
} from './http/fandeng-fetch.js';
export {
  installTokenInterceptor,
  type InterceptorTokenSource,
  type TokenInterceptorOptions,
} from './http/token-interceptor.js';
export type { ResolvedFandengAuthOptions } from './options/resolve-options.js';
export { InMemoryTokenStore } from './stores/in-memory-token.store.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from './stores/redis-token.store.js';
export type { RedisClientLike } from './stores/redis-client.interface.js';
export type { ReleaseLock, TokenStore } from './interfaces/token-store.interface.js';
export { fingerprint } from './token/fingerprint.js';
export { TokenService } from './token/token.service.js';
export {
  FandengTokenHubModule,
  type FandengTokenHubAsyncOptions,
} from './hub/fandeng-token-hub.module.js';
export type {
  FandengHubApiKey,
  FandengTokenHubExtras,
  FandengTokenHubOptions,
} from './hub/token-hub-options.js';
export { TokenHubService } from './hub/token-hub.service.js';
export { tokenDigest, type HubTokenAnswer } from './sources/hub-protocol.js';
export {
  registerFandengHubMetrics,
  type FandengHubPrometheusOptions,
} from './metrics/hub-prometheus-metrics.js';
export {
  registerFandengAuthMetrics,
  type FandengPrometheusOptions,
  type PrometheusRegistry,
} from './metrics/prometheus-metrics.js';
export {
  registerFandengAuthOpenTelemetry,
  type FandengOpenTelemetryOptions,
  type OpenTelemetryBatchResult,
  type OpenTelemetryMeter,
} from './metrics/opentelemetry-metrics.js';
export type {
  Measurement,
  MetricDefinition,
  MetricsSource,
  MetricsSources,
} from './metrics/metric-definitions.js';
