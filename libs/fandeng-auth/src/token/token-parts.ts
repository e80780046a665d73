import type { SchedulerRegistry } from '@nestjs/schedule';
import type { AxiosAdapter } from 'axios';
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { HubTokenEndpoint } from '../sources/hub-token.endpoint.js';
import { PlatformTokenEndpoint } from '../sources/platform-token.endpoint.js';
import type { TokenEndpoint } from '../sources/token-endpoint.interface.js';
import { FleetCounter } from './fleet-counter.js';
import { RefreshTimer } from './refresh-timer.js';
import { RequestPacer } from './request-pacer.js';
import { storeKeys } from './store-keys.js';
import { StoreLink } from './store-link.js';
import { TokenClient } from './token-client.js';
import { TokenEvents } from './token-events.js';
import { TokenMetrics } from './token-metrics.js';
import type { RefreshPlanner } from './refresh-plan.js';
import { TokenRefresher } from './token-refresher.js';

/** Numbers the refresh timers, so each has its own name in the host app's `SchedulerRegistry`. */
let timers = 0;

/**
 * The collaborators of one registration that nobody replaces, built in plain code: one provider
 * (`token.providers.ts`) hands them to `TokenService` and to the `TokenClient` factory, which
 * need the same ones. What a test replaces (`TokenClient`, `RefreshPlanner`, the token adapter)
 * stays a provider of its own.
 */
export class TokenParts {
  /** Aborted when the registration's token service shuts down. */
  readonly shutdown = new AbortController();
  readonly logger: ModuleLogger;
  readonly metrics: TokenMetrics;
  readonly events = new TokenEvents();
  /** Where tokens come from: the platform, or a hub. */
  readonly endpoint: TokenEndpoint;
  readonly link: StoreLink;
  readonly fleetCounter: FleetCounter;
  readonly timer: RefreshTimer;

  /**
   * `registry`: the host app's `SchedulerRegistry`, where it imported the schedule module itself
   * (the refresh timer is listed there). The module never registers that module: a second
   * schedule explorer would run every `@Interval`/`@Cron` of the host app twice.
   */
  constructor(
    readonly options: ResolvedFandengAuthOptions,
    name: string,
    store: TokenStore,
    registry?: SchedulerRegistry,
  ) {
    this.logger = createModuleLogger(
      options.logger,
      name ? `TokenService(${name})` : 'TokenService',
    );
    this.metrics = new TokenMetrics(options, this.logger, !options.hub);
    this.endpoint = options.hub
      ? new HubTokenEndpoint(options.hub)
      : new PlatformTokenEndpoint(options);
    this.link = new StoreLink(store, storeKeys(options, name), this.logger, this.metrics);
    this.fleetCounter = new FleetCounter(this.link, this.metrics, this.shutdown.signal);
    this.timer = new RefreshTimer(
      `fandeng-auth:refresh:${name ? `${name}:` : ''}${++timers}`,
      registry,
    );
  }

  /** The registration's token client; `adapter` replaces the socket (a test simulating a day). */
  createClient(adapter?: AxiosAdapter): TokenClient {
    const { options, logger } = this;
    return new TokenClient(this.endpoint, options, this.shutdown.signal, {
      pacer: new RequestPacer(options.hub?.requestsPerDay ?? options.dailyTokenBudget),
      onRequest: () => this.fleetCounter.countRequest(),
      adapter,
      onMove: (failure, now) => logger.warn(`${failure.message}; asking ${now} instead`),
    });
  }

  /** The registration's refresher, with the token client and planner its providers gave. */
  createRefresher(client: TokenClient, planner: RefreshPlanner): TokenRefresher {
    const { options, logger, link, timer, events, metrics, fleetCounter } = this;
    return new TokenRefresher({
      options,
      logger,
      client,
      link,
      timer,
      planner,
      events,
      metrics,
      fleetCounter,
      signal: this.shutdown.signal,
    });
  }
}
