import type { Provider } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AxiosAdapter } from 'axios';
import {
  FANDENG_AUTH_NAME,
  FANDENG_AUTH_OPTIONS,
  FANDENG_SHUTDOWN,
  FANDENG_TOKEN_ADAPTER,
  FANDENG_TOKEN_ENDPOINT,
  FANDENG_TOKEN_LOGGER,
  FANDENG_TOKEN_STORE,
} from '../fandeng-auth.constants.js';
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { tokenDigest } from '../sources/hub-protocol.js';
import { HubTokenEndpoint } from '../sources/hub-token.endpoint.js';
import { PlatformTokenEndpoint } from '../sources/platform-token.endpoint.js';
import type { TokenEndpoint } from '../sources/token-endpoint.interface.js';
import { FleetCounter } from './fleet-counter.js';
import { RefreshPlanner } from './refresh-plan.js';
import { RefreshTimer } from './refresh-timer.js';
import { RequestPacer } from './request-pacer.js';
import { StoreLink } from './store-link.js';
import { TokenClient } from './token-client.js';
import { TokenEvents } from './token-events.js';
import { TokenMetrics } from './token-metrics.js';
import { TokenRefresher } from './token-refresher.js';

/**
 * Token requests a day a hub consumer may make of its hub: free of quota, but never a storm. A
 * burst of 172, then one every 5 s: a normal day asks a dozen times.
 */
const HUB_REQUESTS_PER_DAY = 17_280;

let timers = 0;

/** The store keys of a registration: its token's, and the fleet count's (the client's, shared). */
function storeKeys(options: ResolvedFandengAuthOptions, name: string): [string, string] {
  // A named registration keeps its own keys, even where two share a client id or a hub.
  // Consumers of different hubs on one Redis must not share a key: the hub's URL names it.
  const source = options.hub
    ? `hub-${tokenDigest(options.hub.urls.join(' ')).slice(0, 16)}`
    : options.clientId;
  return [name ? `token:${name}:${source}` : `token:${source}`, `token:${source}`];
}

const shutdownProvider: Provider = {
  provide: FANDENG_SHUTDOWN,
  useFactory: () => new AbortController(),
};

const loggerProvider: Provider = {
  provide: FANDENG_TOKEN_LOGGER,
  useFactory: (options: ResolvedFandengAuthOptions, name: string) =>
    createModuleLogger(options.logger, name ? `TokenService(${name})` : 'TokenService'),
  inject: [FANDENG_AUTH_OPTIONS, FANDENG_AUTH_NAME],
};

const endpointProvider: Provider = {
  provide: FANDENG_TOKEN_ENDPOINT,
  useFactory: (options: ResolvedFandengAuthOptions): TokenEndpoint =>
    options.hub ? new HubTokenEndpoint(options.hub) : new PlatformTokenEndpoint(options),
  inject: [FANDENG_AUTH_OPTIONS],
};

const metricsProvider: Provider = {
  provide: TokenMetrics,
  useFactory: (options: ResolvedFandengAuthOptions, logger: ModuleLogger) =>
    new TokenMetrics(options, logger, !options.hub),
  inject: [FANDENG_AUTH_OPTIONS, FANDENG_TOKEN_LOGGER],
};

const plannerProvider: Provider = {
  provide: RefreshPlanner,
  useFactory: (options: ResolvedFandengAuthOptions) => new RefreshPlanner(options),
  inject: [FANDENG_AUTH_OPTIONS],
};

const timerProvider: Provider = {
  // Listed in the host app's SchedulerRegistry where it has one (it imported the schedule
  // module itself); the module never registers that module: a second schedule explorer
  // would run every `@Interval`/`@Cron` of the host app twice.
  provide: RefreshTimer,
  useFactory: (name: string, registry?: SchedulerRegistry) =>
    new RefreshTimer(`fandeng-auth:refresh:${name ? `${name}:` : ''}${++timers}`, registry),
  inject: [FANDENG_AUTH_NAME, { token: SchedulerRegistry, optional: true }],
};

const storeLinkProvider: Provider = {
  provide: StoreLink,
  useFactory: (
    store: TokenStore,
    options: ResolvedFandengAuthOptions,
    name: string,
    logger: ModuleLogger,
    metrics: TokenMetrics,
  ) => {
    const [key, countKey] = storeKeys(options, name);
    return new StoreLink(store, key, logger, metrics, countKey);
  },
  inject: [
    FANDENG_TOKEN_STORE,
    FANDENG_AUTH_OPTIONS,
    FANDENG_AUTH_NAME,
    FANDENG_TOKEN_LOGGER,
    TokenMetrics,
  ],
};

const fleetCounterProvider: Provider = {
  provide: FleetCounter,
  useFactory: (link: StoreLink, metrics: TokenMetrics, shutdown: AbortController) =>
    new FleetCounter(link, metrics, shutdown.signal),
  inject: [StoreLink, TokenMetrics, FANDENG_SHUTDOWN],
};

const clientProvider: Provider = {
  provide: TokenClient,
  useFactory: (
    endpoint: TokenEndpoint,
    options: ResolvedFandengAuthOptions,
    shutdown: AbortController,
    counter: FleetCounter,
    logger: ModuleLogger,
    adapter?: AxiosAdapter,
  ) =>
    new TokenClient(endpoint, options, shutdown.signal, {
      pacer: new RequestPacer(options.hub ? HUB_REQUESTS_PER_DAY : options.dailyTokenBudget),
      onRequest: () => counter.countRequest(),
      adapter,
      onMove: (failure, now) => logger.warn(`${failure.message}; asking ${now} instead`),
    }),
  inject: [
    FANDENG_TOKEN_ENDPOINT,
    FANDENG_AUTH_OPTIONS,
    FANDENG_SHUTDOWN,
    FleetCounter,
    FANDENG_TOKEN_LOGGER,
    { token: FANDENG_TOKEN_ADAPTER, optional: true },
  ],
};

const eventsProvider: Provider = { provide: TokenEvents, useFactory: () => new TokenEvents() };

const refresherProvider: Provider = {
  provide: TokenRefresher,
  useFactory: (
    options: ResolvedFandengAuthOptions,
    logger: ModuleLogger,
    client: TokenClient,
    link: StoreLink,
    timer: RefreshTimer,
    planner: RefreshPlanner,
    events: TokenEvents,
    metrics: TokenMetrics,
    fleetCounter: FleetCounter,
    shutdown: AbortController,
  ) =>
    new TokenRefresher({
      options,
      logger,
      client,
      link,
      timer,
      planner,
      events,
      metrics,
      fleetCounter,
      signal: shutdown.signal,
    }),
  inject: [
    FANDENG_AUTH_OPTIONS,
    FANDENG_TOKEN_LOGGER,
    TokenClient,
    StoreLink,
    RefreshTimer,
    RefreshPlanner,
    TokenEvents,
    TokenMetrics,
    FleetCounter,
    FANDENG_SHUTDOWN,
  ],
};

/**
 * The collaborators behind a registration's `TokenService`, one provider each (class tokens,
 * never exported from the module), so a test replaces one with `overrideProvider(StoreLink)`.
 * Factories with explicit `inject`: they need no decorator metadata.
 */
export function tokenProviders(): Provider[] {
  return [
    shutdownProvider,
    loggerProvider,
    endpointProvider,
    metricsProvider,
    plannerProvider,
    timerProvider,
    storeLinkProvider,
    fleetCounterProvider,
    clientProvider,
    eventsProvider,
    refresherProvider,
  ];
}
