import type { LoggerService } from '@nestjs/common';
import type { TokenStore } from './token-store.interface.js';

/** How token requests are retried. Every field is optional; defaults are in `fandeng-auth.constants.ts`. */
export interface FandengRetryOptions {
  /**
   * Attempts within one refresh, on network errors, timeouts, 429 and 5xx. Other 4xx answers
   * (`invalid_client` among them) are never retried. After a refresh has failed, later refreshes
   * make a single attempt until one succeeds. Default `3`.
   */
  maxAttempts?: number;
  /** First backoff delay in ms; doubles each time, with equal jitter (half fixed, half random). Default `500`. */
  initialDelayMs?: number;
  /** Longest backoff delay in ms inside one refresh. A longer `Retry-After` ends the refresh. Default `10000`. */
  maxDelayMs?: number;
  /**
   * Longest pause in ms between failed refreshes; callers without a valid token get the last
   * error at once during the pause instead of spending the daily quota. Default `300000`.
   */
  maxCooldownMs?: number;
}

/**
 * Where a consumer gets its token when it does not hold the platform credentials: a token hub,
 * that is, an app running `FandengTokenHubModule`.
 */
export interface FandengHubClientOptions {
  /**
   * The hub's base URL including its path, for example `http://token-hub:3000/fandeng-token-hub`;
   * or the URLs of several hub replicas (on one Redis store, they serve the same token): the
   * first is used, the next after a connection error or a 5xx, and the first again a minute
   * later. At most 16.
   */
  url: string | string[];
  /** One of the hub's `apiKeys`. Sent as `Authorization: Bearer <apiKey>`; never logged. */
  apiKey: string;
  /**
   * The most token requests this process makes of its hub in a day: a burst of 1 %, then evenly
   * spread (one every 5 s by default). Requests to a hub cost no platform quota; the pace only
   * keeps a fault from turning into a storm. Default `17280`; raise it only for tokens that live
   * seconds (a compressed test), 1 to 10,000,000.
   */
  requestsPerDay?: number;
}

/** Options of `FandengAuthModule.forRoot()` / `forRootAsync()`. */
export interface FandengAuthModuleOptions {
  /** The appId issued by the platform (`client_id`). Required, unless `hub` is set. */
  clientId?: string;
  /** The appSecret issued by the platform (`client_secret`). Required unless `hub` is set; never logged. */
  clientSecret?: string;
  /**
   * Get the token from a token hub instead of the platform: no `clientId` or `clientSecret`
   * here, and the platform's token endpoint is never called from this process.
   */
  hub?: FandengHubClientOptions;
  /** Base URL of the platform; the token URL is `{baseUrl}{tokenPath}`. Default `https://open-platform-test.dushu.io`. */
  baseUrl?: string;
  /**
   * Base URL of the platform's business API: the `baseURL` of the module's `HttpService`.
   * Default: `baseUrl`.
   */
  apiBaseUrl?: string;
  /**
   * Origins (`https://host[:port]`) whose requests get the token. Requests to any other origin,
   * absolute URLs and redirects included, go out without it. Default: the origin of `apiBaseUrl`.
   */
  authorizedOrigins?: string[];
  /** On a 401 from an authorised origin, get a new token and replay the request once. Default `true`. */
  retryOnUnauthorized?: boolean;
  /** Path of the token endpoint. Default `/oauth/token`. */
  tokenPath?: string;
  /**
   * Refresh the token at most this many seconds before it expires (jitter included). Fractions
   * allowed. Capped at half the token's lifetime so short-lived tokens still refresh in time.
   * Default `300` (the platform's overlap window), and then at most a tenth of the lifetime, so
   * shorter tokens do not cost twice the requests.
   */
  refreshAheadSeconds?: number;
  /**
   * The most of a token's lifetime the refresh window may take (0-0.5): a token used for all
   * but this share of its life costs `1 / (1 - share)` requests per lifetime. Default `0.1` with
   * the default `refreshAheadSeconds`, `0.5` with one you set.
   */
  refreshAheadShare?: number;
  /** Share (0-1) of the refresh-ahead window used as random jitter. Default `0.2`. */
  refreshJitter?: number;
  /** A rejected token younger than this (seconds) is kept, not refreshed. Default `10`. */
  minRefreshIntervalSeconds?: number;
  /** Timeout of one token request in ms. Default `10000`. */
  requestTimeoutMs?: number;
  /** Retry policy of token requests. */
  retry?: FandengRetryOptions;
  /** Where the token is kept. Default: in this process's memory. */
  store?: TokenStore;
  /**
   * Token requests a day this process (the fleet, on a shared store) expects to stay under, for
   * metrics and warnings; also each process's hard pace: past a burst of 1 %, a request beyond
   * the day's pace is not sent. The platform's limit has no published number. Default `2000`.
   */
  dailyTokenBudget?: number;
  /** A warning is logged once a day when today's token requests pass this share of the budget. Default `0.8`. */
  budgetWarnShare?: number;
  /** Offset from UTC, in minutes, of the platform's day for the budget. Default `480` (Beijing). */
  budgetUtcOffsetMinutes?: number;
  /**
   * While refreshes fail for a reason a probe can see (no answer, 5xx) and callers are refused a
   * token, ask the source every this many ms whether it is back, with a request that costs no
   * quota, and fetch the token as soon as it is (with a shared store, one process probes for the
   * fleet). `0` turns probing off. Between 1000 and 60000. Default `2000`.
   */
  recoveryProbeIntervalMs?: number;
  /** Fetch a token at startup, so the first request does not wait. Default `false`. */
  fetchOnStart?: boolean;
  /** `false` silences the module; a `LoggerService` receives its lines. Default: Nest's `Logger`. */
  logger?: LoggerService | false;
}
