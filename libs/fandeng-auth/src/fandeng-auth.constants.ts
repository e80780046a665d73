/** Injection token of the options as the user passed them (before defaults and validation). */
export const FANDENG_AUTH_MODULE_OPTIONS = 'FANDENG_AUTH:MODULE_OPTIONS';
/** Injection token of the validated options with every default filled in. */
export const FANDENG_AUTH_OPTIONS = 'FANDENG_AUTH:OPTIONS';
/** Injection token of the registration's name (`''` for the default one). */
export const FANDENG_AUTH_NAME = 'FANDENG_AUTH:NAME';
/**
 * The unnamed registration's `TokenService`. Every registration provides the class internally,
 * so a lookup by class across the app (`strict: false`) could find a named one.
 */
export const FANDENG_DEFAULT_TOKEN_SERVICE = 'FANDENG_AUTH:TOKEN_SERVICE';
/**
 * Injection token of the axios adapter under the token requests: `undefined` (axios's own, the
 * network) unless a test overrides it to simulate days of platform answers under fake timers.
 */
export const FANDENG_TOKEN_ADAPTER = 'FANDENG_AUTH:TOKEN_ADAPTER';
/** Injection token of the {@link TokenStore} the module uses. */
export const FANDENG_TOKEN_STORE = 'FANDENG_AUTH:TOKEN_STORE';

/** The documented test host; no production host is documented, so users override it. */
export const DEFAULT_BASE_URL = 'https://open-platform-test.dushu.io';
/** The token endpoint, relative to `baseUrl`. */
export const DEFAULT_TOKEN_PATH = '/oauth/token';

/**
 * Refresh at most this long before expiry. The platform keeps a superseded token valid for
 * 5 minutes, so refreshing no earlier than 5 minutes ahead never shortens the life of a token
 * that another holder still uses, and leaves minutes for retries before the old one expires.
 */
export const DEFAULT_REFRESH_AHEAD_SECONDS = 300;
/** Share of the refresh-ahead window used as random jitter, so a fleet does not refresh in step. */
export const DEFAULT_REFRESH_JITTER = 0.2;
/** The refresh-ahead window never exceeds this share of a token's lifetime (short-lived tokens). */
export const MAX_REFRESH_AHEAD_SHARE = 0.5;
/**
 * Where `refreshAheadSeconds` is left to its default, the window is at most this share of the
 * lifetime: a token used for its whole life but this share costs `1 / (1 - share)` requests per
 * lifetime, so a platform that shortens its tokens to 600 s costs 11 % more requests than its
 * limit, not twice as many (300 s ahead of a 600 s token).
 */
export const DEFAULT_REFRESH_AHEAD_SHARE = 0.1;
/**
 * Token requests a day a hub consumer may make of its hub: free of quota, but never a storm. A
 * burst of 172, then one every 5 s: a normal day asks a dozen times.
 */
export const DEFAULT_HUB_REQUESTS_PER_DAY = 17_280;

/** Token requests are small; 10 s separates a slow platform from a dead one. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Attempts within one refresh before it is reported failed (transient faults only). */
export const DEFAULT_RETRY_MAX_ATTEMPTS = 3;
/** First backoff delay; doubles per attempt, with equal jitter (half fixed, half random). */
export const DEFAULT_RETRY_INITIAL_DELAY_MS = 500;
/** Cap of one backoff delay inside a refresh, so a caller never waits long for a retry. */
export const DEFAULT_RETRY_MAX_DELAY_MS = 10_000;
/**
 * Cap of the pause between failed refreshes. While the platform keeps failing, the module makes
 * one request per pause at most: with 5 minutes, under 300 requests a day, inside any daily limit.
 */
export const DEFAULT_RETRY_MAX_COOLDOWN_MS = 300_000;
/**
 * A token younger than this is not discarded when the platform rejects it: a token that fails
 * right after issue points at another fault, and refreshing again would only spend the quota.
 */
export const DEFAULT_MIN_REFRESH_INTERVAL_SECONDS = 10;

/**
 * Token requests a day this process (the fleet, on a shared store) expects to stay under. The
 * platform documents a daily limit without a number; set yours. Metrics and warnings count
 * against it, and it is each process's hard pace (`RequestPacer`): past a burst, a request beyond
 * the day's pace is refused before it is sent (`FandengPacedError`).
 */
export const DEFAULT_DAILY_TOKEN_BUDGET = 2000;
/** Share of the daily budget past which a warning is logged (once a day). */
export const DEFAULT_BUDGET_WARN_SHARE = 0.8;
/** The platform's day starts at midnight Beijing time (UTC+8). */
export const DEFAULT_BUDGET_UTC_OFFSET_MINUTES = 480;

/**
 * While the source is down and callers wait, one probe (no quota) every 2 s: back within about
 * 2 s of the source's recovery, and at most 30 probes a minute for a whole fleet.
 */
export const DEFAULT_RECOVERY_PROBE_INTERVAL_MS = 2_000;

/** The longest `Retry-After` honoured between failed refreshes (it may exceed `retry.maxCooldownMs`). */
export const MAX_RETRY_AFTER_MS = 3600_000;

/** The longest lifetime accepted from the platform; anything above is treated as malformed. */
export const MAX_EXPIRES_IN_SECONDS = 365 * 24 * 3600;
/** setTimeout fires at once beyond this delay (2^31 - 1 ms), so long waits are chained. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
