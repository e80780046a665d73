import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { inspect } from 'node:util';
import type { AxiosAdapter } from 'axios';
import { Subject, type Observable } from 'rxjs';
import {
  FANDENG_AUTH_NAME,
  FANDENG_AUTH_OPTIONS,
  FANDENG_TOKEN_ADAPTER,
  FANDENG_TOKEN_STORE,
} from '../fandeng-auth.constants.js';
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengPacedError } from '../errors/fandeng-paced.error.js';
import { FandengShutdownError } from '../errors/fandeng-shutdown.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { TokenEvent } from '../interfaces/token-event.interface.js';
import type { TokenStatus } from '../interfaces/token-status.interface.js';
import type { FandengAuthMetrics } from '../interfaces/fandeng-auth-metrics.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import { monotonicNow, toMonotonic, toWallClock } from './clock.js';
import { FleetCounter } from './fleet-counter.js';
import { RecoveryProbe } from './recovery-probe.js';
import { cooldownAfter, minAgeToReplace, planRefresh, type TokenPlan } from './refresh-plan.js';
import { RefreshTimer } from './refresh-timer.js';
import { RequestPacer } from './request-pacer.js';
import { fingerprint } from './fingerprint.js';
import { StoreLink } from './store-link.js';
import { TokenMetrics } from './token-metrics.js';
import { tokenDigest } from '../sources/hub-protocol.js';
import { HubTokenEndpoint } from '../sources/hub-token.endpoint.js';
import { PlatformTokenEndpoint } from '../sources/platform-token.endpoint.js';
import type { FetchedToken } from '../sources/token-endpoint.interface.js';
import { TokenClient } from './token-client.js';

/**
 * A held token with the times derived from it once (`refresh-plan.ts`), so the hot path does no
 * date arithmetic. Both are monotonic instants (`clock.ts`): a wall-clock step moves neither.
 */
interface HeldToken extends TokenPlan {
  token: AccessToken;
}

/**
 * Token requests a day a hub consumer may make of its hub: free of quota, but never a storm. A
 * burst of 172, then one every 5 s: a normal day asks a dozen times.
 */
const HUB_REQUESTS_PER_DAY = 17_280;

let instances = 0;

/**
 * Gets, caches and refreshes the platform's access token. Concurrent callers share one request;
 * a timer refreshes ahead of expiry; callers keep the current token while a refresh runs or
 * fails; failures back off so the daily quota survives any outage.
 */
@Injectable()
export class TokenService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: ModuleLogger;
  private readonly client: TokenClient;
  private readonly shutdown = new AbortController();
  private readonly changes = new Subject<AccessToken>();
  private readonly events = new Subject<TokenEvent>();
  private unsubscribe?: () => void;
  private lastRejected?: string;
  /** A rejected token the source has not been told about yet (a hub refreshes only on news). */
  private unreported?: string;
  private readonly link: StoreLink;
  private held?: HeldToken;
  private readonly timer: RefreshTimer;
  private inflight?: Promise<AccessToken>;
  private readonly fleetCounter: FleetCounter;
  private consecutiveFailures = 0;
  /** Tokens dropped on rejection since a token last lived to its scheduled refresh. */
  private consecutiveRejections = 0;
  private lastError?: { error: FandengAuthError; at: Date };
  /** Monotonic, like every pause. */
  private cooldownUntil = 0;
  private lastRefreshAt?: Date;
  private readonly probe: RecoveryProbe;
  /** Wall-clock ms of the first failed refresh of the current outage. */
  private outageStartedAt?: number;
  private lastRecoveryMs: number | null = null;

  /** Emits every new token this process starts using (fetched or adopted from the store). */
  readonly tokenChanges$: Observable<AccessToken> = this.changes.asObservable();
  /** What the service does: refresh started (this process won the election), fetched, adopted, invalidated, failed. */
  readonly events$: Observable<TokenEvent> = this.events.asObservable();
  /** Counters behind {@link getMetrics}; the interceptor records its 401 replays here. */
  readonly metrics: TokenMetrics;

  constructor(
    @Inject(FANDENG_AUTH_OPTIONS) private readonly options: ResolvedFandengAuthOptions,
    @Inject(FANDENG_TOKEN_STORE) store: TokenStore,
    @Optional() @Inject(FANDENG_AUTH_NAME) name = '',
    // The host app's registry, where it has one (it imported `ScheduleModule` itself): the refresh
    // timer is listed there. The module never registers the schedule module itself: a second
    // schedule explorer would run every `@Interval`/`@Cron` of the host app twice.
    // Explicit tokens, so the service also works without decorator metadata (esbuild, swc).
    @Optional() @Inject(SchedulerRegistry) scheduler?: SchedulerRegistry,
    @Optional() @Inject(FANDENG_TOKEN_ADAPTER) adapter?: AxiosAdapter,
  ) {
    this.logger = createModuleLogger(
      options.logger,
      name ? `${TokenService.name}(${name})` : TokenService.name,
    );
    this.timer = new RefreshTimer(
      `fandeng-auth:refresh:${name ? `${name}:` : ''}${++instances}`,
      () => this.refreshInBackground(),
      scheduler,
    );
    const endpoint = options.hub
      ? new HubTokenEndpoint(options.hub)
      : new PlatformTokenEndpoint(options);
    this.metrics = new TokenMetrics(options, this.logger, !options.hub);
    this.client = new TokenClient(endpoint, options, this.shutdown.signal, {
      pacer: new RequestPacer(options.hub ? HUB_REQUESTS_PER_DAY : options.dailyTokenBudget),
      onRequest: () => this.fleetCounter.countRequest(),
      adapter,
    });
    // A named registration keeps its own keys, even where two share a client id or a hub.
    // Consumers of different hubs on one Redis must not share a key: the hub's URL names it.
    const source = options.hub
      ? `hub-${tokenDigest(options.hub.url).slice(0, 16)}`
      : options.clientId;
    this.link = new StoreLink(
      store,
      name ? `token:${name}:${source}` : `token:${source}`,
      this.logger,
      this.metrics,
      // The platform's daily limit is the client's: every registration of it counts together.
      `token:${source}`,
    );
    this.fleetCounter = new FleetCounter(this.link, this.metrics, this.shutdown.signal);
    this.probe = new RecoveryProbe({
      intervalMs: options.recoveryProbeIntervalMs,
      probe: () => this.client.probe(),
      takeSlot: () => this.link.tryProbeSlot(options.recoveryProbeIntervalMs),
      useful: () => this.probeUseful(),
      onAlive: () => this.sourceIsBack(),
      signal: this.shutdown.signal,
    });
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.link.subscribe((token) => this.onPeerToken(token));
    if (this.options.fetchOnStart) this.refreshInBackground();
  }

  async onModuleDestroy(): Promise<void> {
    this.shutdown.abort();
    this.clearTimer();
    this.probe.stop();
    this.unsubscribe?.();
    this.link.wakeWaiters();
    // The aborted flight settles at once (its request and its backoff share the abort signal):
    // let it release the fleet's refresh lock before the store's connection goes, or the lock
    // outlives this process by lockTtlMs and its release fails with a store warning.
    await this.inflight?.catch(() => undefined);
    await this.fleetCounter.settle();
    this.changes.complete();
    this.events.complete();
    await this.link.close();
  }

  /** The current token's value, fetching one if needed. The hot path: no I/O while it is valid. */
  getAccessToken(): Promise<string> {
    const held = this.held;
    if (held !== undefined && monotonicNow() < held.usableUntil)
      return Promise.resolve(held.token.value);
    return this.getToken().then((token) => token.value);
  }

  /** The current token with its metadata, fetching one if needed. */
  getToken(): Promise<AccessToken> {
    const token = this.peekToken();
    return token !== undefined ? Promise.resolve(token) : this.obtain(false);
  }

  /**
   * The current token if one is usable now, or `undefined` where {@link getToken} would have to
   * wait for one. Never waits; starts the refresh in the background when it is due.
   */
  peekToken(): AccessToken | undefined {
    const held = this.held;
    const now = monotonicNow();
    if (held === undefined || now >= held.usableUntil) return undefined;
    // A missed timer (a suspended VM, a clock jump) must not let the token run out unnoticed.
    if (now >= held.refreshAt && now >= this.cooldownUntil && this.inflight === undefined) {
      this.refreshInBackground();
    }
    return held.token;
  }

  /** Gets a new token from the platform now, whatever the state of the current one. */
  refresh(): Promise<AccessToken> {
    return this.obtain(true);
  }

  /**
   * The platform rejected `value`. If it is still the current token it is dropped, so that the
   * next call fetches a new one; a report about an older token is ignored (a newer one is here).
   */
  async invalidate(value: string): Promise<void> {
    const held = this.held;
    if (held === undefined || held.token.value !== value) return;
    const age = Date.now() - held.token.obtainedAt.getTime();
    const minAge = minAgeToReplace(
      this.options.minRefreshIntervalSeconds,
      this.consecutiveRejections,
    );
    // A negative age (a clock, a source's future date) must not keep a token for ever.
    if (age >= 0 && age < minAge) {
      this.logger.warn(
        `Token ${fingerprint(value)} was rejected ${age} ms after issue; keeping it ` +
          `(a rejected token is replaced once it is ${Math.round(minAge / 1000)} s old: ` +
          `minRefreshIntervalSeconds, doubled for each rejection in a row)`,
      );
      return;
    }
    this.consecutiveRejections++;
    this.held = undefined;
    this.lastRejected = value;
    this.unreported = value;
    this.clearTimer();
    this.logger.warn(
      `Token ${fingerprint(value)} was rejected by the platform; a new one will be fetched`,
    );
    this.metrics.count('invalidated');
    this.emit('invalidated', value);
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
    const token = this.held?.token;
    const now = monotonicNow();
    return {
      state:
        token === undefined
          ? this.lastRefreshAt
            ? 'expired'
            : 'none'
          : Date.now() < token.expiresAt.getTime()
            ? 'valid'
            : 'expired',
      fingerprint: token && fingerprint(token.value),
      expiresAt: token?.expiresAt,
      obtainedAt: token?.obtainedAt,
      nextRefreshAt: this.timer.dueAt === undefined ? undefined : toWallClock(this.timer.dueAt),
      lastRefreshAt: this.lastRefreshAt,
      refreshing: this.inflight !== undefined,
      probing: this.probe.probing,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError && {
        code: this.lastError.error.code,
        message: this.lastError.error.message,
        at: this.lastError.at,
      },
      cooldownUntil: this.cooldownUntil > now ? toWallClock(this.cooldownUntil) : undefined,
      tokenRequests: this.client.requestCount,
      store: this.link.status,
    };
  }

  /** Counters since start and the token's gauges, for dashboards and alerts. Nothing secret. */
  getMetrics(): FandengAuthMetrics {
    const now = Date.now();
    const token = this.held?.token;
    const valid = token !== undefined && now < token.expiresAt.getTime();
    return this.metrics.snapshot(
      {
        valid,
        secondsToExpiry: valid ? (token.expiresAt.getTime() - now) / 1000 : null,
        consecutiveFailures: this.consecutiveFailures,
      },
      this.options.hub ? 'hub' : 'platform',
      now,
      {
        probing: this.probe.probing,
        probes: this.probe.probes,
        lastRecoveryMs: this.lastRecoveryMs,
      },
    );
  }

  /** One flight at a time: every caller that arrives while it runs shares its result. */
  private obtain(force: boolean): Promise<AccessToken> {
    this.inflight ??= this.acquire(force).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async acquire(force: boolean): Promise<AccessToken> {
    if (this.shutdown.signal.aborted) throw new FandengShutdownError();
    const replacing = this.held?.token.value;
    if (!force) {
      const adopted = await this.adoptStored(replacing, force);
      if (adopted !== undefined) return adopted;
    }
    if (this.lastError !== undefined && monotonicNow() < this.cooldownUntil) {
      // Node may fire a timer a millisecond before the clock reaches its time: keep the retry
      // chain alive rather than let the cooldown check end it.
      if (this.timer.dueAt === undefined) this.schedule(this.cooldownUntil);
      // A caller is refused: find out, at no quota, when the source is back.
      if (this.probeUseful()) this.probe.wanted();
      throw this.lastError.error;
    }

    // A shared store elects one refresher per cycle; the others wait for the token it stores.
    const adopt = () => this.adoptStored(replacing, force);
    return this.link.withRefreshLock(
      this.longestFlightMs(),
      this.shutdown.signal,
      adopt,
      async () => {
        if (!force) {
          // Another process may have stored a token between our read and our lock.
          const adopted = await adopt();
          if (adopted !== undefined) return adopted;
        }
        return this.fetch();
      },
    );
  }

  /** The longest a refresh can take: every attempt timing out, with the longest backoff between. */
  private longestFlightMs(): number {
    const { requestTimeoutMs, retry } = this.options;
    return retry.maxAttempts * requestTimeoutMs + (retry.maxAttempts - 1) * retry.maxDelayMs;
  }

  private async fetch(): Promise<AccessToken> {
    // After a failed refresh, one attempt per cooldown: the retries already had their chance.
    const attempts = this.consecutiveFailures > 0 ? 1 : this.options.retry.maxAttempts;
    this.emit('refresh-started');
    let fetched: FetchedToken;
    const reported = this.unreported;
    try {
      fetched = await this.client.fetch(attempts, reported);
      const late = this.unreported;
      if (late !== undefined && late !== reported && fetched.token.value === late) {
        // The token was rejected while this request was on its way, and the source (a hub)
        // handed it out again: tell it now, rather than at the next 401.
        fetched = await this.client.fetch(attempts, late);
      }
    } catch (error) {
      throw this.failed(error as FandengAuthError);
    }
    this.unreported = undefined; // reported, or moot: the token is not the rejected one
    this.metrics.count('refreshSucceeded');
    this.consecutiveFailures = 0;
    this.lastError = undefined;
    this.cooldownUntil = 0;
    const { token } = fetched;
    await this.link.set(token);
    const held = this.hold(token, fetched.renewedFrom);
    const now = monotonicNow();
    if (held.refreshAt <= now) {
      // The source handed out a token that is already due (a hub that has not refreshed yet):
      // ask again soon, never in a tight loop.
      held.refreshAt = now + Math.min(30_000, Math.max(250, (held.usableUntil - now) / 8));
    }
    return this.use(held, 'fetched');
  }

  /**
   * Adopts the stored token if it is one we can use in place of `replacing`: a different token,
   * not one the platform rejected, and (unless forced) not itself due for refresh.
   */
  private async adoptStored(
    replacing: string | undefined,
    force: boolean,
  ): Promise<AccessToken | undefined> {
    const stored = await this.link.get();
    if (stored === undefined || stored.value === replacing || stored.value === this.lastRejected)
      return undefined;
    if (stored.value === this.held?.token.value) return stored; // already adopted through pub/sub
    const candidate = this.hold(stored);
    const now = monotonicNow();
    if (now >= candidate.usableUntil || (!force && now >= candidate.refreshAt)) return undefined;
    return this.use(candidate, 'adopted');
  }

  /** Another process stored a token: use it if it is newer than ours. */
  private onPeerToken(token: AccessToken): void {
    const held = this.held;
    if (token.value === held?.token.value || token.value === this.lastRejected) return;
    if (held !== undefined && token.obtainedAt.getTime() <= held.token.obtainedAt.getTime()) return;
    const candidate = this.hold(token);
    if (monotonicNow() < candidate.usableUntil) this.use(candidate, 'adopted');
  }

  private use(held: HeldToken, how: string): AccessToken {
    const unchanged = this.held?.token.value === held.token.value;
    const replaced = this.held !== undefined;
    this.endOutage();
    // A token that lived to be replaced on schedule ends a run of rejections.
    if (replaced && !unchanged) this.consecutiveRejections = 0;
    this.held = held;
    this.lastRefreshAt = new Date();
    this.schedule(held.refreshAt);
    const { token } = held;
    if (unchanged) {
      // The source had nothing newer yet (a hub between its refreshes): nothing to announce.
      this.logger.debug(
        `Token ${fingerprint(token.value)} is still current; asking again in ${Math.round((held.refreshAt - monotonicNow()) / 1000)} s`,
      );
      return token;
    }
    this.logger.log(
      `Token ${fingerprint(token.value)} ${how}; expires in ${Math.round(token.expiresIn)} s, refresh in ${Math.round((held.refreshAt - monotonicNow()) / 1000)} s`,
    );
    this.changes.next(token);
    if (how === 'adopted') {
      this.metrics.count('adopted');
      this.fleetCounter.readAfterAdoption();
      this.emit('adopted', token.value, 'store');
    } else {
      this.emit(
        replaced ? 'refreshed' : 'fetched',
        token.value,
        this.options.hub ? 'hub' : 'platform',
      );
    }
    return token;
  }

  private emit(type: TokenEvent['type'], value?: string, source?: TokenEvent['source']): void {
    this.events.next({
      type,
      fingerprint: value === undefined ? undefined : fingerprint(value),
      source,
      at: new Date(),
    });
  }

  private hold(token: AccessToken, renewedFrom?: number): HeldToken {
    const plan = planRefresh(token, this.options, {
      expiresAt: toMonotonic(token.expiresAt.getTime()),
      renewedFrom: renewedFrom === undefined ? undefined : toMonotonic(renewedFrom),
    });
    return { token, ...plan };
  }

  private failed(error: FandengAuthError): FandengAuthError {
    if (error instanceof FandengShutdownError) return error;
    this.consecutiveFailures++;
    this.metrics.refreshFailed(error.code);
    this.lastError = { error, at: new Date() };
    const cooldown = cooldownAfter(error, this.consecutiveFailures, this.options.retry);
    this.cooldownUntil = monotonicNow() + cooldown;
    this.outageStartedAt ??= Date.now();
    if (this.held !== undefined && Date.now() >= this.held.token.expiresAt.getTime())
      this.held = undefined;
    this.logger.error(
      `Token refresh failed (${error.code}, ${this.consecutiveFailures} in a row): ${error.message.replace(/\.?$/, '.')} ` +
        `${this.held ? 'The current token stays in use. ' : ''}Next attempt in ${Math.round(cooldown / 1000)} s`,
    );
    this.schedule(this.cooldownUntil);
    if (this.probeUseful()) this.probe.wanted();
    this.emit('failed');
    return error;
  }

  /**
   * Is probing for the source's recovery worth it: refreshes fail for a reason a probe can see
   * (no answer, a 5xx: not bad credentials, not the platform's or our own rate limit), the
   * service is cooling down, and no token is held that is not yet due for refresh.
   */
  private probeUseful(): boolean {
    const error = this.lastError?.error;
    if (!(error instanceof FandengTransportError) || error instanceof FandengPacedError)
      return false;
    if (error.status === 429) return false;
    const now = monotonicNow();
    return now < this.cooldownUntil && (this.held === undefined || now >= this.held.refreshAt);
  }

  /** A probe got a live answer: end the cooldown and ask for the token now. */
  private sourceIsBack(): void {
    this.logger.log(`${this.client.description} answers again; requesting a token now`);
    this.cooldownUntil = 0;
    this.refreshInBackground();
  }

  /** A token is here (fetched or adopted): an outage, if there was one, is over. */
  private endOutage(): void {
    this.probe.recovered();
    if (this.outageStartedAt === undefined) return;
    this.lastRecoveryMs = Date.now() - this.outageStartedAt;
    this.outageStartedAt = undefined;
    this.logger.log(
      `Token source back: ${Math.round(this.lastRecoveryMs / 100) / 10} s after the first failed refresh (${this.probe.probes} probes so far)`,
    );
  }

  private refreshInBackground(): void {
    this.obtain(false).catch(() => undefined); // failed() has logged it and scheduled the retry
  }

  private schedule(at: number): void {
    if (this.shutdown.signal.aborted) return this.timer.clear();
    this.timer.schedule(at);
  }

  private clearTimer(): void {
    this.timer.clear();
  }
}
