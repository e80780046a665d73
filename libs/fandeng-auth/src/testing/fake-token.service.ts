import type { inspect } from 'node:util';
import type { OnModuleDestroy } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import {
  DEFAULT_BUDGET_UTC_OFFSET_MINUTES,
  DEFAULT_BUDGET_WARN_SHARE,
  DEFAULT_DAILY_TOKEN_BUDGET,
} from '../fandeng-auth.constants.js';
import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { FandengAuthMetrics } from '../interfaces/fandeng-auth-metrics.interface.js';
import type { TokenEvent } from '../interfaces/token-event.interface.js';
import type { TokenStatus } from '../interfaces/token-status.interface.js';
import { fingerprint } from '../token/fingerprint.js';
import { TokenMetrics } from '../token/token-metrics.js';
import type { TokenService } from '../token/token.service.js';

/**
 * Every public member of `TokenService` but its lifecycle hooks: what application code and the
 * interceptor can use. Derived, so a member added to the service fails the type check here
 * until the fake has it too.
 */
export type TokenServiceSurface = Omit<
  TokenService,
  'onApplicationBootstrap' | 'onModuleDestroy' | 'toJSON' | typeof inspect.custom
>;

/** The methods whose calls {@link FakeTokenService.calls} counts. */
export type FakeTokenMethod = {
  [K in keyof TokenServiceSurface]: TokenServiceSurface[K] extends (...args: never[]) => unknown
    ? K
    : never;
}[keyof TokenServiceSurface];

/** Options of {@link FakeTokenService}. */
export interface FakeTokenOptions {
  /** Value of the first token. Default {@link DEFAULT_FAKE_TOKEN}. */
  token?: string;
  /** Lifetime of every token the fake hands out, in seconds. Default `7200` (the platform's). */
  expiresInSeconds?: number;
}

/** The first token's value when none is given: obviously fake, never a real token's shape. */
export const DEFAULT_FAKE_TOKEN = 'fake-fandeng-token-1';
export const DEFAULT_FAKE_EXPIRES_IN_SECONDS = 7200;

/**
 * A controllable stand-in for `TokenService`, for tests of code that uses the module. No I/O,
 * no timers: a token is there from the start; `rotate()` replaces it as a refresh would;
 * `failNext()` makes the next calls that obtain a token reject with a typed error.
 */
export class FakeTokenService implements TokenServiceSurface, OnModuleDestroy {
  /** Calls per method since creation (or {@link resetCalls}). */
  readonly calls: Record<FakeTokenMethod, number> = {
    getAccessToken: 0,
    getToken: 0,
    peekToken: 0,
    refresh: 0,
    invalidate: 0,
    getStatus: 0,
    getMetrics: 0,
  };
  /** Every value passed to `invalidate()`, in order (the interceptor calls it after a 401). */
  readonly invalidated: string[] = [];

  private readonly changes = new Subject<AccessToken>();
  private readonly events = new Subject<TokenEvent>();
  private readonly expiresInSeconds: number;
  private held?: AccessToken;
  private failures: { error: FandengAuthError; remaining: number }[] = [];
  private serial = 0;
  private requests = 0;
  private consecutiveFailures = 0;
  private lastError?: { error: FandengAuthError; at: Date };
  private lastRefreshAt?: Date;

  readonly tokenChanges$: Observable<AccessToken> = this.changes.asObservable();
  readonly events$: Observable<TokenEvent> = this.events.asObservable();
  /** The same counters as the real service's; the interceptor records its 401 replays here. */
  readonly metrics = new TokenMetrics(
    {
      dailyTokenBudget: DEFAULT_DAILY_TOKEN_BUDGET,
      budgetWarnShare: DEFAULT_BUDGET_WARN_SHARE,
      budgetUtcOffsetMinutes: DEFAULT_BUDGET_UTC_OFFSET_MINUTES,
    },
    { warn: () => undefined },
    false,
  );

  constructor(options: FakeTokenOptions = {}) {
    this.expiresInSeconds = options.expiresInSeconds ?? DEFAULT_FAKE_EXPIRES_IN_SECONDS;
    this.setToken(options.token ?? DEFAULT_FAKE_TOKEN);
  }

  /** The current token, or `undefined` after `clearToken()`. */
  get current(): AccessToken | undefined {
    return this.held;
  }

  /** Makes `value` the current token at once, without announcing it (test setup). */
  setToken(value: string, expiresInSeconds = this.expiresInSeconds): AccessToken {
    this.held = this.mint(value, expiresInSeconds);
    return this.held;
  }

  /** Drops the current token: the next call that needs one gets a new one, as after a 401. */
  clearToken(): void {
    this.held = undefined;
  }

  /**
   * Replaces the token as a refresh would: emits it on `tokenChanges$` and a `fetched` event.
   * Without `value`, the next `fake-fandeng-token-<n>`.
   */
  rotate(value?: string, expiresInSeconds = this.expiresInSeconds): AccessToken {
    this.held = this.mint(value ?? `fake-fandeng-token-${this.serial + 1}`, expiresInSeconds);
    this.requests += 1;
    this.metrics.tokenRequest();
    this.metrics.count('refreshSucceeded');
    this.changes.next(this.held);
    this.emit('fetched', this.held.value);
    return this.held;
  }

  /**
   * The next `times` calls of `getAccessToken`, `getToken` or `refresh` reject with `error`;
   * meanwhile `peekToken()` returns `undefined`, so HTTP requests wait for a token and fail too.
   */
  failNext(error: FandengAuthError, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times: an integer >= 1');
    this.failures.push({ error, remaining: times });
  }

  resetCalls(): void {
    for (const method of Object.keys(this.calls) as FakeTokenMethod[]) this.calls[method] = 0;
    this.invalidated.length = 0;
  }

  getAccessToken(): Promise<string> {
    this.calls.getAccessToken += 1;
    return this.obtain(false).then((token) => token.value);
  }

  getToken(): Promise<AccessToken> {
    this.calls.getToken += 1;
    return this.obtain(false);
  }

  peekToken(): AccessToken | undefined {
    this.calls.peekToken += 1;
    return this.failures.length > 0 ? undefined : this.usable();
  }

  refresh(): Promise<AccessToken> {
    this.calls.refresh += 1;
    return this.obtain(true);
  }

  /** Records `value`; if it is the current token, drops it like the real service does. */
  invalidate(value: string): Promise<void> {
    this.calls.invalidate += 1;
    this.invalidated.push(value);
    if (this.held?.value === value) {
      this.held = undefined;
      this.metrics.count('invalidated');
      this.emit('invalidated', value);
    }
    return Promise.resolve();
  }

  getStatus(): TokenStatus {
    this.calls.getStatus += 1;
    const token = this.held;
    return {
      state:
        token === undefined ? 'none' : Date.now() < token.expiresAt.getTime() ? 'valid' : 'expired',
      fingerprint: token && fingerprint(token.value),
      expiresAt: token?.expiresAt,
      obtainedAt: token?.obtainedAt,
      lastRefreshAt: this.lastRefreshAt,
      refreshing: false,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError && {
        code: this.lastError.error.code,
        message: this.lastError.error.message,
        at: this.lastError.at,
      },
      probing: false,
      tokenRequests: this.requests,
      store: { shared: false, healthy: true },
    };
  }

  getMetrics(): FandengAuthMetrics {
    this.calls.getMetrics += 1;
    const token = this.usable();
    const secondsToExpiry = token && (token.expiresAt.getTime() - Date.now()) / 1000;
    return this.metrics.snapshot(
      {
        valid: token !== undefined,
        secondsToExpiry: secondsToExpiry ?? null,
        consecutiveFailures: this.consecutiveFailures,
      },
      'platform',
    );
  }

  onModuleDestroy(): void {
    this.changes.complete();
    this.events.complete();
  }

  private obtain(force: boolean): Promise<AccessToken> {
    const failure = this.failures[0];
    if (failure !== undefined) {
      failure.remaining -= 1;
      if (failure.remaining === 0) this.failures.shift();
      this.consecutiveFailures += 1;
      this.lastError = { error: failure.error, at: new Date() };
      this.requests += 1;
      this.metrics.tokenRequest();
      this.metrics.refreshFailed(failure.error.code);
      this.emit('failed');
      return Promise.reject(failure.error);
    }
    this.consecutiveFailures = 0;
    this.lastError = undefined;
    const token = force ? undefined : this.usable();
    return Promise.resolve(token ?? this.rotate());
  }

  private usable(): AccessToken | undefined {
    const held = this.held;
    return held !== undefined && Date.now() < held.expiresAt.getTime() ? held : undefined;
  }

  private mint(value: string, expiresInSeconds: number): AccessToken {
    this.serial += 1;
    const now = Date.now();
    this.lastRefreshAt = new Date(now);
    return {
      value,
      tokenType: 'bearer',
      expiresIn: expiresInSeconds,
      obtainedAt: new Date(now),
      expiresAt: new Date(now + expiresInSeconds * 1000),
      scope: ['ALL'],
    };
  }

  private emit(type: TokenEvent['type'], value?: string): void {
    this.events.next({ type, fingerprint: value && fingerprint(value), at: new Date() });
  }
}
