import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { inspect } from 'node:util';
import type { Observable } from 'rxjs';
import { FANDENG_AUTH_OPTIONS } from '../fandeng-auth.constants.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { TokenEvent } from '../interfaces/token-event.interface.js';
import type { TokenStatus } from '../interfaces/token-status.interface.js';
import type { FandengAuthMetrics } from '../interfaces/fandeng-auth-metrics.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { monotonicNow, toWallClock } from './clock.js';
import { fingerprint } from './fingerprint.js';
import type { FleetCounter } from './fleet-counter.js';
import { RefreshPlanner } from './refresh-plan.js';
import type { RefreshTimer } from './refresh-timer.js';
import type { StoreLink } from './store-link.js';
import { TokenClient } from './token-client.js';
import type { TokenEvents } from './token-events.js';
import type { TokenMetrics } from './token-metrics.js';
import { TokenParts } from './token-parts.js';
import type { TokenRefresher } from './token-refresher.js';
import type { ModuleLogger } from '../fandeng-auth.logger.js';

/**
 * Gets, caches and refreshes the platform's access token. Concurrent callers share one request;
 * a timer refreshes ahead of expiry; callers keep the current token while a refresh runs or
 * fails; failures back off so the daily quota survives any outage.
 *
 * The public face of a registration: the work is done by its collaborators (`TokenRefresher`,
 * `StoreLink`, `TokenClient`, `RefreshTimer`, `FleetCounter`, ...). A test replaces the token
 * client or the refresh planner with `overrideProvider` (`token.providers.ts`).
 */
@Injectable()
export class TokenService implements OnApplicationBootstrap, OnModuleDestroy {
  private unsubscribe?: () => void;
  /** Emits every new token this process starts using (fetched or adopted from the store). */
  readonly tokenChanges$: Observable<AccessToken>;
  /** What the service does: refresh started (this process won the election), fetched, adopted, invalidated, failed. */
  readonly events$: Observable<TokenEvent>;
  /** Counters behind {@link getMetrics}; the interceptor records its 401 replays here. */
  readonly metrics: TokenMetrics;
  private readonly refresher: TokenRefresher;
  private readonly link: StoreLink;
  private readonly timer: RefreshTimer;
  private readonly fleetCounter: FleetCounter;
  private readonly events: TokenEvents;
  private readonly logger: ModuleLogger;
  private readonly shutdown: AbortController;

  // Explicit tokens, so the service also works without decorator metadata (esbuild, swc).
  constructor(
    @Inject(FANDENG_AUTH_OPTIONS) private readonly options: ResolvedFandengAuthOptions,
    @Inject(TokenParts) parts: TokenParts,
    @Inject(TokenClient) private readonly client: TokenClient,
    @Inject(RefreshPlanner) planner: RefreshPlanner,
  ) {
    ({
      link: this.link,
      timer: this.timer,
      fleetCounter: this.fleetCounter,
      events: this.events,
      metrics: this.metrics,
      logger: this.logger,
      shutdown: this.shutdown,
    } = parts);
    this.refresher = parts.createRefresher(client, planner);
    this.tokenChanges$ = parts.events.changes$;
    this.events$ = parts.events.events$;
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.link.follow({
      onToken: (token) => this.refresher.onPeerToken(token),
      current: () => this.refresher.held?.token,
    });
    if (this.options.fetchOnStart) this.refresher.refreshInBackground();
  }

  async onModuleDestroy(): Promise<void> {
    this.shutdown.abort();
    this.timer.clear();
    this.refresher.probe.stop();
    this.unsubscribe?.();
    this.link.wakeWaiters();
    // The aborted flight settles at once (its request and its backoff share the abort signal):
    // let it release the fleet's refresh lock before the store's connection goes, or the lock
    // outlives this process by lockTtlMs and its release fails with a store warning.
    await this.refresher.inflight?.catch(() => undefined);
    await this.fleetCounter.settle();
    this.events.complete();
    await this.link.close();
  }

  /** The current token's value, fetching one if needed. The hot path: no I/O while it is valid. */
  getAccessToken(): Promise<string> {
    const held = this.refresher.held;
    if (held !== undefined && monotonicNow() < held.usableUntil)
      return Promise.resolve(held.token.value);
    return this.getToken().then((token) => token.value);
  }

  /** The current token with its metadata, fetching one if needed. */
  getToken(): Promise<AccessToken> {
    const token = this.peekToken();
    return token !== undefined ? Promise.resolve(token) : this.refresher.obtain(false);
  }

  /**
   * The current token if one is usable now, or `undefined` where {@link getToken} would have to
   * wait for one. Never waits; starts the refresh in the background when it is due.
   */
  peekToken(): AccessToken | undefined {
    const { held, inflight, failures } = this.refresher;
    const now = monotonicNow();
    if (held === undefined || now >= held.usableUntil) return undefined;
    // A missed timer (a suspended VM, a clock jump) must not let the token run out unnoticed.
    if (now >= held.refreshAt && now >= failures.cooldownUntil && inflight === undefined) {
      this.refresher.refreshInBackground();
    }
    return held.token;
  }

  /** Gets a new token from the platform now, whatever the state of the current one. */
  refresh(): Promise<AccessToken> {
    return this.refresher.obtain(true);
  }

  /**
   * The platform rejected `value`. If it is still the current token it is dropped, so that the
   * next call fetches a new one; a report about an older token is ignored (a newer one is here).
   */
  async invalidate(value: string): Promise<void> {
    if (!this.refresher.reject(value)) return;
    this.logger.warn(
      `Token ${fingerprint(value)} was rejected by the platform; a new one will be fetched`,
    );
    this.metrics.count('invalidated');
    this.events.emit('invalidated', value);
    await this.link.delete(value);
  }

  /** What `util.inspect` and `console.log` show: the status (a fingerprint), never a token or the secret. */
  [inspect.custom](): string {
    return `${TokenService.name} ${inspect(this.getStatus(), { breakLength: Infinity })}`;
  }

  /** What `JSON.stringify` shows: the status, never a token or the secret. */
  toJSON(): TokenStatus {
    return this.getStatus();
  }

  /** The service's state, with nothing secret in it. */
  getStatus(): TokenStatus {
    const { held, failures, lastRefreshAt, inflight, probe } = this.refresher;
    const token = held?.token;
    const now = monotonicNow();
    const last = failures.last;
    return {
      state:
        token === undefined
          ? lastRefreshAt
            ? 'expired'
            : 'none'
          : Date.now() < token.expiresAt.getTime()
            ? 'valid'
            : 'expired',
      fingerprint: token && fingerprint(token.value),
      expiresAt: token?.expiresAt,
      obtainedAt: token?.obtainedAt,
      nextRefreshAt: this.timer.dueAt === undefined ? undefined : toWallClock(this.timer.dueAt),
      lastRefreshAt,
      refreshing: inflight !== undefined,
      probing: probe.probing,
      consecutiveFailures: failures.consecutive,
      lastError: last && { code: last.error.code, message: last.error.message, at: last.at },
      cooldownUntil: failures.cooldownUntil > now ? toWallClock(failures.cooldownUntil) : undefined,
      tokenRequests: this.client.requestCount,
      store: this.link.status,
    };
  }

  /** Counters since start and the token's gauges, for dashboards and alerts. Nothing secret. */
  getMetrics(): FandengAuthMetrics {
    const now = Date.now();
    const { held, failures, probe } = this.refresher;
    const token = held?.token;
    const valid = token !== undefined && now < token.expiresAt.getTime();
    return this.metrics.snapshot(
      {
        valid,
        secondsToExpiry: valid ? (token.expiresAt.getTime() - now) / 1000 : null,
        consecutiveFailures: failures.consecutive,
      },
      this.options.hub ? 'hub' : 'platform',
      now,
      { probing: probe.probing, probes: probe.probes, lastRecoveryMs: failures.lastRecoveryMs },
    );
  }
}
