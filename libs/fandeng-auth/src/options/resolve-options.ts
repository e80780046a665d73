import { validateSync, type ValidationError } from 'class-validator';
import {
  DEFAULT_BASE_URL,
  DEFAULT_BUDGET_UTC_OFFSET_MINUTES,
  DEFAULT_BUDGET_WARN_SHARE,
  DEFAULT_DAILY_TOKEN_BUDGET,
  DEFAULT_MIN_REFRESH_INTERVAL_SECONDS,
  DEFAULT_RECOVERY_PROBE_INTERVAL_MS,
  DEFAULT_REFRESH_AHEAD_SECONDS,
  DEFAULT_REFRESH_AHEAD_SHARE,
  DEFAULT_HUB_REQUESTS_PER_DAY,
  MAX_REFRESH_AHEAD_SHARE,
  DEFAULT_REFRESH_JITTER,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_ATTEMPTS,
  DEFAULT_RETRY_MAX_COOLDOWN_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_TOKEN_PATH,
} from '../fandeng-auth.constants.js';
import { FandengOptionsError } from '../errors/fandeng-options.error.js';
import type {
  FandengAuthModuleOptions,
  FandengHubClientOptions,
  FandengRetryOptions,
} from '../interfaces/fandeng-auth-options.interface.js';
import {
  FandengAuthOptionsSchema,
  HubClientOptionsSchema,
  RetryOptionsSchema,
} from './fandeng-auth-options.schema.js';

/** Most hub replicas a consumer may list. */
const MAX_HUB_URLS = 16;

/** A consumer's hub settings, resolved: its replicas' URLs in order of preference. */
export interface ResolvedHubOptions {
  /** The first URL (where one is shown). */
  url: string;
  urls: string[];
  apiKey: string;
  /** Token requests a day this process may make of its hub (`RequestPacer`). */
  requestsPerDay: number;
}

function resolveHub(hub: FandengHubClientOptions): ResolvedHubOptions {
  const urls = typeof hub.url === 'string' ? [hub.url] : [...hub.url];
  return {
    url: urls[0],
    urls,
    apiKey: hub.apiKey,
    requestsPerDay: hub.requestsPerDay ?? DEFAULT_HUB_REQUESTS_PER_DAY,
  };
}

/** The options with every default applied: what the services read. */
export type ResolvedFandengAuthOptions = Required<
  Omit<FandengAuthModuleOptions, 'retry' | 'store' | 'logger' | 'hub'>
> &
  Pick<FandengAuthModuleOptions, 'store' | 'logger'> & {
    /** Set in hub mode; `clientId` and `clientSecret` are then empty. */
    hub?: ResolvedHubOptions;
    retry: Required<FandengRetryOptions>;
    /** `{baseUrl}{tokenPath}`. */
    tokenUrl: string;
  };

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message}`);
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/** Every problem with the options, as `path: message` (never a value); empty when they are fine. */
function problemsOf(options: FandengAuthModuleOptions): string[] {
  const schema = Object.assign(new FandengAuthOptionsSchema(), options);
  if (typeof options.retry === 'object' && options.retry !== null) {
    schema.retry = Object.assign(new RetryOptionsSchema(), options.retry);
  }
  if (typeof options.hub === 'object' && options.hub !== null) {
    schema.hub = Object.assign(new HubClientOptionsSchema(), options.hub);
  }
  const problems = describe(
    validateSync(schema, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
    }),
  );
  const urls = options.hub?.url;
  if (Array.isArray(urls) && (urls.length === 0 || urls.length > MAX_HUB_URLS)) {
    problems.push(`hub.url: a list of 1 to ${MAX_HUB_URLS} URLs (it has ${urls.length})`);
  }
  for (const field of ['clientId', 'clientSecret'] as const) {
    if (options.hub !== undefined && options[field] !== undefined) {
      problems.push(
        `${field}: must not be set with hub: a hub consumer holds no platform credentials (set either clientId and clientSecret, or hub)`,
      );
    } else if (options.hub === undefined && options[field] === undefined) {
      problems.push(`${field}: required (or set hub to get the token from a token hub)`);
    }
  }
  return problems;
}

/**
 * Validates the options and fills in the defaults, in this one place. Collects every problem
 * and throws a single {@link FandengOptionsError} naming each field (never a value).
 */
export function resolveOptions(options: FandengAuthModuleOptions): ResolvedFandengAuthOptions {
  if (typeof options !== 'object' || options === null) {
    throw new FandengOptionsError(['options: must be an object']);
  }
  const problems = problemsOf(options);
  if (problems.length > 0) throw new FandengOptionsError(problems);

  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const tokenPath = options.tokenPath ?? DEFAULT_TOKEN_PATH;
  const apiBaseUrl = options.apiBaseUrl ?? baseUrl;
  return hideSecrets({
    clientId: options.clientId ?? '',
    clientSecret: options.clientSecret ?? '',
    hub: options.hub && hideSecrets(resolveHub(options.hub)),
    baseUrl,
    tokenPath,
    tokenUrl: `${baseUrl}${tokenPath}`,
    apiBaseUrl,
    authorizedOrigins: options.authorizedOrigins ?? [new URL(apiBaseUrl).origin],
    retryOnUnauthorized: options.retryOnUnauthorized ?? true,
    refreshAheadSeconds: options.refreshAheadSeconds ?? DEFAULT_REFRESH_AHEAD_SECONDS,
    refreshAheadShare:
      options.refreshAheadShare ??
      (options.refreshAheadSeconds === undefined
        ? DEFAULT_REFRESH_AHEAD_SHARE
        : MAX_REFRESH_AHEAD_SHARE),
    refreshJitter: options.refreshJitter ?? DEFAULT_REFRESH_JITTER,
    minRefreshIntervalSeconds:
      options.minRefreshIntervalSeconds ?? DEFAULT_MIN_REFRESH_INTERVAL_SECONDS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retry: {
      maxAttempts: options.retry?.maxAttempts ?? DEFAULT_RETRY_MAX_ATTEMPTS,
      initialDelayMs: options.retry?.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
      maxCooldownMs: options.retry?.maxCooldownMs ?? DEFAULT_RETRY_MAX_COOLDOWN_MS,
    },
    dailyTokenBudget: options.dailyTokenBudget ?? DEFAULT_DAILY_TOKEN_BUDGET,
    budgetWarnShare: options.budgetWarnShare ?? DEFAULT_BUDGET_WARN_SHARE,
    budgetUtcOffsetMinutes: options.budgetUtcOffsetMinutes ?? DEFAULT_BUDGET_UTC_OFFSET_MINUTES,
    recoveryProbeIntervalMs: options.recoveryProbeIntervalMs ?? DEFAULT_RECOVERY_PROBE_INTERVAL_MS,
    fetchOnStart: options.fetchOnStart ?? false,
    store: options.store,
    logger: options.logger,
  });
}

/**
 * Turns the secret and the hub key into non-enumerable getters: still readable, but absent from
 * `JSON.stringify`, a spread and `util.inspect` (which shows a getter, even a hidden one, as
 * `[Getter]`, never its value), so no dump of the options shows them.
 */
function hideSecrets<T extends { clientSecret?: string; apiKey?: string }>(options: T): T {
  for (const key of ['clientSecret', 'apiKey'] as const) {
    if (key in options) {
      const value = options[key];
      Object.defineProperty(options, key, { enumerable: false, get: () => value });
    }
  }
  return options;
}
