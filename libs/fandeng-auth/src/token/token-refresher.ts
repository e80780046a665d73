import type { ModuleLogger } from '../fandeng-auth.logger.js';
import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengShutdownError } from '../errors/fandeng-shutdown.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import type { FetchedToken } from '../sources/token-endpoint.interface.js';
import { monotonicNow } from './clock.js';
import { fingerprint } from './fingerprint.js';
import type { FleetCounter } from './fleet-counter.js';
import { RecoveryProbe } from './recovery-probe.js';
import { RefreshFailures } from './refresh-failures.js';
import { keepsRejectedToken, type RefreshPlanner, type TokenPlan } from './refresh-plan.js';
import type { RefreshTimer } from './refresh-timer.js';
import type { CooldownNote, StoreLink } from './store-link.js';
import type { TokenClient } from './token-client.js';
import type { TokenEvents } from './token-events.js';
import type { TokenMetrics } from './token-metrics.js';
import { isNewerToken } from '../stores/token-order.js';
import { probeCanSeeEnd } from '../sources/token-failure.js';

/**
 * A held token with the times derived from it once (`refresh-plan.ts`), so the hot path does no
 * date arithmetic. Both are monotonic instants (`clock.ts`): a wall-clock step moves neither.
 */
export interface HeldToken extends TokenPlan {
  token: AccessToken;
}

/** The collaborators a {@link TokenRefresher} carries out its work with (`TokenService` builds it). */
export interface RefresherParts {
  options: ResolvedFandengAuthOptions;
  logger: ModuleLogger;
  client: TokenClient;
  link: StoreLink;
  timer: RefreshTimer;
  planner: RefreshPlanner;
  events: TokenEvents;
  metrics: TokenMetrics;
  fleetCounter: FleetCounter;
  signal: AbortSignal;
}

/**
 * Holds the token and gets the next one: one flight at a time, from the store when a peer has
 * one, else from the source under the fleet's refresh lock; on failure, the cooldown, the retry
 * timer and the recovery probe. `TokenService` is its public face.
 */
export class TokenRefresher {
  held?: HeldToken;
  inflight?: Promise<AccessToken>;
  lastRefreshAt?: Date;
  readonly failures = new RefreshFailures();
  readonly probe: RecoveryProbe;
  /** The last token the source rejected: never adopted again. */
  private lastRejected?: string;
  /** A rejected token the source has not been told about yet (a hub refreshes only on news). */
  private unreported?: string;
  /** Tokens dropped on rejection since a token last lived to its scheduled refresh. */
  private consecutiveRejections = 0;

  constructor(private readonly parts: RefresherParts) {
    parts.timer.onFire(() => this.refreshInBackground());
    this.probe = new RecoveryProbe({
      intervalMs: parts.options.recoveryProbeIntervalMs,
      probe: () => parts.client.probe(),
      takeSlot: () => parts.link.tryProbeSlot(parts.options.recoveryProbeIntervalMs),
      useful: () => this.probeUseful(),
      onAlive: () => this.sourceIsBack(),
      signal: parts.signal,
    });
  }

  /** One flight at a time: every caller that arrives while it runs shares its result. */
  obtain(force: boolean): Promise<AccessToken> {
    this.inflight ??= this.acquire(force).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  refreshInBackground(): void {
    this.obtain(false).catch(() => undefined); // failed() has logged it and scheduled the retry
  }

  /**
   * The source rejected `value`: drop it if it is still held and old enough (so a source that
   * rejects every token cannot spend the quota). Returns whether it was dropped.
   */
  reject(value: string): boolean {
    const held = this.held;
    if (held === undefined || held.token.value !== value) return false;
    const age = Date.now() - held.token.obtainedAt.getTime();
    const minAge = this.parts.planner.minAgeToReplace(this.consecutiveRejections);
    if (keepsRejectedToken(age, minAge)) {
      this.parts.logger.warn(
        `Token ${fingerprint(value)} was rejected ${age} ms after issue; keeping it ` +
          `(a rejected token is replaced once it is ${Math.round(minAge / 1000)} s old: ` +
          `minRefreshIntervalSeconds, doubled for each rejection in a row)`,
      );
      return false;
    }
    this.consecutiveRejections++;
    this.held = undefined;
    this.lastRejected = value;
    this.unreported = value;
    this.parts.timer.clear();
    return true;
  }

  /** Another process stored a token: use it if it is newer than ours. */
  onPeerToken(token: AccessToken): void {
    const held = this.held;
    if (token.value === held?.token.value || token.value === this.lastRejected) return;
    if (held !== undefined && !isNewerToken(token, held.token)) return;
    const candidate = this.hold(token);
    if (monotonicNow() < candidate.usableUntil) this.use(candidate, 'adopted');
  }

  /** The longest a refresh can take: every attempt timing out, with the longest backoff between. */
  longestFlightMs(): number {
    const { requestTimeoutMs, retry } = this.parts.options;
    return retry.maxAttempts * requestTimeoutMs + (retry.maxAttempts - 1) * retry.maxDelayMs;
  }

  private async acquire(force: boolean): Promise<AccessToken> {
    if (this.parts.signal.aborted) throw new FandengShutdownError();
    const replacing = this.held?.token.value;
    const adopt = () => this.adoptStored(replacing, force);
    if (!force) {
      const adopted = await adopt();
      if (adopted !== undefined) return adopted;
    }
    const refusal = this.failures.refusal();
    if (refusal !== undefined) {
      // Node may fire a timer a millisecond before the clock reaches its time: keep the retry
      // chain alive rather than let the cooldown check end it.
      if (this.parts.timer.dueAt === undefined) this.schedule(this.failures.cooldownUntil);
      // A caller is refused: find out, at no quota, when the source is back.
      if (this.probeUseful()) this.probe.wanted();
      throw refusal;
    }
    // A shared store elects one refresher per cycle; the others wait for the token it stores.
    return this.parts.link.withRefreshLock(
      this.longestFlightMs(),
      this.parts.signal,
      adopt,
      async () => {
        if (!force) {
          // Another process may have stored a token between our read and our lock.
          const adopted = await adopt();
          if (adopted !== undefined) return adopted;
        }
        // Another process's request failed in an outage moments ago: wait with the fleet.
        const shared = await this.parts.link.sharedCooldown();
        if (shared !== undefined) throw this.heldOff(shared.note, shared.remainingMs);
        return this.fetch();
      },
    );
  }

  private async fetch(): Promise<AccessToken> {
    const { client, events, metrics, link } = this.parts;
    // After a failed refresh, one attempt per cooldown: the retries already had their chance.
    const attempts = this.failures.consecutive > 0 ? 1 : this.parts.options.retry.maxAttempts;
    events.emit('refresh-started');
    let fetched: FetchedToken;
    const reported = this.unreported;
    try {
      fetched = await client.fetch(attempts, reported);
      const late = this.unreported;
      if (late !== undefined && late !== reported && fetched.token.value === late) {
        // The token was rejected while this request was on its way, and the source (a hub)
        // handed it out again: tell it now, rather than at the next 401.
        fetched = await client.fetch(attempts, late);
      }
    } catch (error) {
      throw this.failed(error as FandengAuthError);
    }
    this.unreported = undefined; // reported, or moot: the token is not the rejected one
    metrics.count('refreshSucceeded');
    if (this.failures.consecutive > 0) void link.endCooldown();
    this.failures.succeeded();
    const newer = await link.set(fetched.token);
    const held = this.hold(fetched.token, fetched.renewedFrom);
    const now = monotonicNow();
    if (held.refreshAt <= now) {
      // The source handed out a token that is already due (a hub that has not refreshed yet):
      // ask again soon, never in a tight loop.
      held.refreshAt = now + Math.min(30_000, Math.max(250, (held.usableUntil - now) / 8));
    }
    const token = this.use(held, 'fetched');
    if (newer === undefined) return token;
    // A peer stored a token obtained after ours (it fetched while the store was out of our
    // reach): the platform keeps only the newest alive, so the fleet's is the one to use.
    this.onPeerToken(newer);
    return this.held?.token ?? token;
  }

  /**
   * Adopts the stored token if it is one we can use in place of `replacing`: a different token,
   * not one the source rejected, and (unless forced) not itself due for refresh.
   */
  private async adoptStored(
    replacing: string | undefined,
    force: boolean,
  ): Promise<AccessToken | undefined> {
    const stored = await this.parts.link.get();
    if (stored === undefined || stored.value === replacing || stored.value === this.lastRejected)
      return undefined;
    if (stored.value === this.held?.token.value) return stored; // already adopted through pub/sub
    const candidate = this.hold(stored);
    const now = monotonicNow();
    if (now >= candidate.usableUntil || (!force && now >= candidate.refreshAt)) return undefined;
    return this.use(candidate, 'adopted');
  }

  private use(held: HeldToken, how: 'fetched' | 'adopted'): AccessToken {
    const unchanged = this.held?.token.value === held.token.value;
    const replaced = this.held !== undefined;
    this.endOutage();
    // A token that lived to be replaced on schedule ends a run of rejections.
    if (replaced && !unchanged) this.consecutiveRejections = 0;
    this.held = held;
    this.lastRefreshAt = new Date();
    this.schedule(held.refreshAt);
    const { token } = held;
    const refreshIn = Math.round((held.refreshAt - monotonicNow()) / 1000);
    if (unchanged) {
      // The source had nothing newer yet (a hub between its refreshes): nothing to announce.
      this.parts.logger.debug(
        `Token ${fingerprint(token.value)} is still current; asking again in ${refreshIn} s`,
      );
      return token;
    }
    this.parts.logger.log(
      `Token ${fingerprint(token.value)} ${how}; expires in ${Math.round(token.expiresIn)} s, refresh in ${refreshIn} s`,
    );
    this.announce(token, how, replaced);
    return token;
  }

  private announce(token: AccessToken, how: 'fetched' | 'adopted', replaced: boolean): void {
    const { events, metrics, fleetCounter, options } = this.parts;
    events.changed(token);
    if (how === 'adopted') {
      metrics.count('adopted');
      fleetCounter.readAfterAdoption();
      events.emit('adopted', token.value, 'store');
    } else {
      events.emit(
        replaced ? 'refreshed' : 'fetched',
        token.value,
        options.hub ? 'hub' : 'platform',
      );
    }
  }

  private hold(token: AccessToken, renewedFrom?: number): HeldToken {
    return { token, ...this.parts.planner.plan(token, renewedFrom) };
  }

  private failed(error: FandengAuthError): FandengAuthError {
    if (error instanceof FandengShutdownError) return error;
    const failures = this.failures;
    const cooldown = this.parts.planner.cooldown(error, failures.consecutive + 1);
    failures.record(error, cooldown);
    this.parts.metrics.refreshFailed(error.code);
    if (this.held !== undefined && Date.now() >= this.held.token.expiresAt.getTime())
      this.held = undefined;
    this.parts.logger.error(
      `Token refresh failed (${error.code}, ${failures.consecutive} in a row): ${error.message.replace(/\.?$/, '.')} ` +
        `${this.held ? 'The current token stays in use. ' : ''}Next attempt in ${Math.round(cooldown / 1000)} s`,
    );
    this.schedule(failures.cooldownUntil);
    if (probeCanSeeEnd(error)) {
      // An outage is the fleet's, not this process's: the others wait with it, so the fleet
      // sends one failing request per cooldown (see heldOff).
      const note = {
        message: error.message,
        status: error.status,
        consecutive: failures.consecutive,
        at: Date.now(),
      };
      void this.parts.link.shareCooldown(note, cooldown);
    }
    if (this.probeUseful()) this.probe.wanted();
    this.parts.events.emit('failed');
    return error;
  }

  /**
   * Another process's token request failed moments ago, in an outage: this one does not send its
   * own, but takes the fleet's cooldown (and its count of failures, so the backoff keeps
   * growing), refuses its callers with the same failure, and tries again when it ends, unless a
   * token arrives first (a peer's, or after the fleet's probe saw the source back).
   */
  private heldOff(note: CooldownNote, remainingMs: number): FandengAuthError {
    const failures = this.failures;
    const error = new FandengTransportError(
      `${note.message.replace(/\.?$/, '')} (another instance's token request, ` +
        `${Math.max(0, Math.round((Date.now() - note.at) / 1000))} s ago; waiting with the fleet)`,
      { status: note.status },
    );
    failures.recordShared(error, note.consecutive, remainingMs);
    this.parts.metrics.count('heldOff');
    this.parts.logger.warn(
      `Token refresh held off: ${error.message}. Next attempt in ${Math.round(remainingMs / 1000)} s`,
    );
    // A little after the fleet's cooldown: the process that failed last tries first then.
    this.schedule(failures.cooldownUntil + Math.random() * Math.min(2000, remainingMs / 4));
    if (this.probeUseful()) this.probe.wanted();
    return error;
  }

  /**
   * Is probing for the source's recovery worth it: the failure is one a probe can see end, and
   * no token is held that is not yet due for refresh.
   */
  private probeUseful(): boolean {
    const now = monotonicNow();
    return (
      this.failures.probeCanHelp(now) && (this.held === undefined || now >= this.held.refreshAt)
    );
  }

  /** A probe got a live answer: end the cooldown and ask for the token now. */
  private sourceIsBack(): void {
    this.parts.logger.log(`${this.parts.client.description} answers again; requesting a token now`);
    this.failures.endCooldown();
    // The fleet's cooldown ends too, first: it would hold this very request off.
    void this.parts.link.endCooldown().finally(() => this.refreshInBackground());
  }

  /** A token is here (fetched or adopted): an outage, if there was one, is over. */
  private endOutage(): void {
    this.probe.recovered();
    const lasted = this.failures.endOutage();
    if (lasted === undefined) return;
    this.parts.logger.log(
      `Token source back: ${Math.round(lasted / 100) / 10} s after the first failed refresh (${this.probe.probes} probes so far)`,
    );
  }

  private schedule(at: number): void {
    if (this.parts.signal.aborted) return this.parts.timer.clear();
    this.parts.timer.schedule(at);
  }
}
