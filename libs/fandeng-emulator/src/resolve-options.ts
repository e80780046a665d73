import { EmulatorConfigError } from './emulator-config.error.js';
import {
  DEFAULT_DAILY_QUOTA,
  DEFAULT_EMULATOR_CLIENTS,
  DEFAULT_EMULATOR_PORT,
  DEFAULT_FRACTIONAL_EXPIRES_IN,
  DEFAULT_MIN_TOKEN_LENGTH,
  DEFAULT_OMIT_EXPIRATION,
  DEFAULT_OVERLAP_SECONDS,
  DEFAULT_RESPONSE_FORMAT,
  DEFAULT_TOKEN_LATENCY_MS,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  type EmulatorOptions,
  type ResolvedEmulatorOptions,
} from './emulator-options.js';

/** The one place where defaults are merged. */
export const EMULATOR_DEFAULTS: ResolvedEmulatorOptions = Object.freeze({
  clients: DEFAULT_EMULATOR_CLIENTS,
  tokenLifetimeSeconds: DEFAULT_TOKEN_LIFETIME_SECONDS,
  overlapSeconds: DEFAULT_OVERLAP_SECONDS,
  dailyQuota: DEFAULT_DAILY_QUOTA,
  ipAllowlist: undefined,
  responseFormat: DEFAULT_RESPONSE_FORMAT,
  minTokenLength: DEFAULT_MIN_TOKEN_LENGTH,
  tokenLatencyMs: DEFAULT_TOKEN_LATENCY_MS,
  omitExpiration: DEFAULT_OMIT_EXPIRATION,
  fractionalExpiresIn: DEFAULT_FRACTIONAL_EXPIRES_IN,
  port: DEFAULT_EMULATOR_PORT,
  logger: undefined,
});

/**
 * Applies `patch` over `base`. A key present with the value `undefined` goes back to its
 * default, so `configure({ ipAllowlist: undefined })` lifts an allowlist.
 * Throws {@link EmulatorConfigError} listing every problem; `base` is never modified.
 */
export function resolveOptions(
  patch: Partial<EmulatorOptions> = {},
  base: ResolvedEmulatorOptions = EMULATOR_DEFAULTS,
): ResolvedEmulatorOptions {
  const merged = { ...base } as Record<string, unknown>;
  for (const key of Object.keys(EMULATOR_DEFAULTS) as (keyof ResolvedEmulatorOptions)[]) {
    if (!(key in patch)) continue;
    const value = patch[key];
    merged[key] = value === undefined ? EMULATOR_DEFAULTS[key] : value;
  }
  const resolved = merged as unknown as ResolvedEmulatorOptions;
  const problems = validate(resolved);
  if (problems.length > 0) throw new EmulatorConfigError(problems);
  // Copies, so a caller mutating its own object later cannot change a running emulator.
  return {
    ...resolved,
    clients: Object.freeze({ ...resolved.clients }),
    ipAllowlist: resolved.ipAllowlist ? Object.freeze([...resolved.ipAllowlist]) : undefined,
  };
}

function validate(o: ResolvedEmulatorOptions): string[] {
  const problems: string[] = [];
  if (typeof o.clients !== 'object' || o.clients === null || Array.isArray(o.clients)) {
    problems.push('clients: must be an object of appId -> appSecret');
  } else {
    for (const [id, secret] of Object.entries(o.clients)) {
      if (id === '') problems.push('clients: an appId must not be empty');
      if (typeof secret !== 'string' || secret === '') {
        problems.push(`clients.${id}: the appSecret must be a non-empty string`);
      }
    }
  }
  if (!isFiniteAtLeast(o.tokenLifetimeSeconds, 0) || o.tokenLifetimeSeconds === 0) {
    problems.push('tokenLifetimeSeconds: must be a finite number > 0');
  }
  if (!isFiniteAtLeast(o.overlapSeconds, 0)) {
    problems.push('overlapSeconds: must be a finite number >= 0');
  }
  if (!(o.dailyQuota === Infinity || (Number.isInteger(o.dailyQuota) && o.dailyQuota >= 0))) {
    problems.push('dailyQuota: must be an integer >= 0 or Infinity');
  }
  if (
    o.ipAllowlist !== undefined &&
    (!Array.isArray(o.ipAllowlist) || o.ipAllowlist.some((ip) => typeof ip !== 'string'))
  ) {
    problems.push('ipAllowlist: must be an array of address strings');
  }
  if (o.responseFormat !== 'fandeng' && o.responseFormat !== 'rfc6749') {
    problems.push("responseFormat: must be 'fandeng' or 'rfc6749'");
  }
  if (!Number.isInteger(o.minTokenLength) || o.minTokenLength < 0) {
    problems.push('minTokenLength: must be an integer >= 0');
  }
  if (!isFiniteAtLeast(o.tokenLatencyMs, 0)) {
    problems.push('tokenLatencyMs: must be a finite number >= 0');
  }
  for (const flag of ['omitExpiration', 'fractionalExpiresIn'] as const) {
    if (typeof o[flag] !== 'boolean') problems.push(`${flag}: must be a boolean`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    problems.push('port: must be an integer from 0 to 65535');
  }
  if (o.logger !== undefined && typeof o.logger !== 'function') {
    problems.push('logger: must be a function');
  }
  return problems;
}

function isFiniteAtLeast(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min;
}
