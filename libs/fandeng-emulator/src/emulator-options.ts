/** How the token endpoint shapes a successful answer. */
export type EmulatorResponseFormat = 'fandeng' | 'rfc6749';

/** Options of {@link FandengPlatformEmulator}; every field is optional and has a named default. */
export interface EmulatorOptions {
  /**
   * Registered clients, appId -> appSecret.
   * @default DEFAULT_EMULATOR_CLIENTS ({ 'demo-client': 'demo-secret' })
   */
  clients?: Record<string, string>;
  /**
   * Lifetime of issued tokens in seconds. Reported as `expiresIn = Math.floor(lifetime)` (see `fractionalExpiresIn`);
   * fractions are allowed and honoured by the ledger, so tests can use sub-second lifetimes.
   * @default 7200
   */
  tokenLifetimeSeconds?: number;
  /**
   * After a new token is issued to a client, that client's previous still-valid tokens keep
   * working for this long, then stop (the platform's "old and new both valid for 5 minutes").
   * Fractions allowed.
   * @default 300
   */
  overlapSeconds?: number;
  /**
   * Tokens issued per client per UTC day; beyond it the token endpoint answers 429
   * `{ error: 'quota_exceeded' }`. `Infinity` disables the limit.
   * @default 2000
   */
  dailyQuota?: number;
  /**
   * If set, only these remote addresses may call the token endpoint; others get a gateway-style
   * 403 with the plain-text body `Forbidden`. IPv4-mapped IPv6 addresses are normalised
   * (`::ffff:127.0.0.1` matches `127.0.0.1`).
   * @default undefined (every address allowed)
   */
  ipAllowlist?: string[];
  /**
   * `'fandeng'`: the documented bean shape. `'rfc6749'`:
   * `{ access_token, token_type: 'bearer', expires_in, scope: 'ALL', jti }`.
   * @default 'fandeng'
   */
  responseFormat?: EmulatorResponseFormat;
  /**
   * Pad issued tokens (inside an extra `pad` JWT claim) to at least this many characters, to
   * exercise the platform's "reserve at least 512 characters" rule.
   * @default 0 (no padding)
   */
  minTokenLength?: number;
  /**
   * Artificial latency in milliseconds before every token endpoint answer (faults excepted:
   * a fault replaces the whole answer).
   * @default 0
   */
  tokenLatencyMs?: number;
  /**
   * Leave the absolute `expiration` out of the `'fandeng'` answer (the platform's numbers "may
   * be adjusted"): a client must then rely on `expiresIn` alone. No effect on `'rfc6749'`.
   * @default false
   */
  omitExpiration?: boolean;
  /**
   * Report `expiresIn` with its fraction instead of floored to whole seconds: for compressed
   * time (a benchmark's 600 s token lasting 1.5 s), where flooring would cut a third off.
   * @default false
   */
  fractionalExpiresIn?: boolean;
  /**
   * Port to listen on; 0 picks a free one. Read by `start()`, so changing it through
   * `configure()` only takes effect on the next start. The host is always 127.0.0.1.
   * @default 0
   */
  port?: number;
  /**
   * Receives one line per request (method, path without query, status, client id, duration).
   * The query string and headers are never logged: they carry secrets and tokens.
   * @default undefined (silent)
   */
  logger?: (line: string) => void;
}

/** The client registered when no `clients` option is given. */
export const DEFAULT_EMULATOR_CLIENTS: Readonly<Record<string, string>> = Object.freeze({
  'demo-client': 'demo-secret',
});
/** The platform documents 2 hours ("currently within 7200 s"). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 7200;
/** The platform guarantees old and new tokens are both valid for 5 minutes after a refresh. */
export const DEFAULT_OVERLAP_SECONDS = 300;
/** The platform's limit is undocumented; 2000 a day is generous yet reachable by a runaway loop. */
export const DEFAULT_DAILY_QUOTA = 2000;
export const DEFAULT_RESPONSE_FORMAT: EmulatorResponseFormat = 'fandeng';
export const DEFAULT_MIN_TOKEN_LENGTH = 0;
export const DEFAULT_TOKEN_LATENCY_MS = 0;
export const DEFAULT_OMIT_EXPIRATION = false;
export const DEFAULT_FRACTIONAL_EXPIRES_IN = false;
export const DEFAULT_EMULATOR_PORT = 0;
/** Not an option: the emulator is a local test double and never listens beyond loopback. */
export const EMULATOR_HOST = '127.0.0.1';

/** The options with every default filled in, as the emulator uses them. */
export interface ResolvedEmulatorOptions {
  clients: Readonly<Record<string, string>>;
  tokenLifetimeSeconds: number;
  overlapSeconds: number;
  dailyQuota: number;
  ipAllowlist: readonly string[] | undefined;
  responseFormat: EmulatorResponseFormat;
  minTokenLength: number;
  tokenLatencyMs: number;
  omitExpiration: boolean;
  fractionalExpiresIn: boolean;
  port: number;
  logger: ((line: string) => void) | undefined;
}
