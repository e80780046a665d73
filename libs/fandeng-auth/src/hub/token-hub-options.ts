import type { LoggerService } from '@nestjs/common';
import {
  ArrayNotEmpty,
  IsArray,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Min,
  ValidateBy,
  validateSync,
} from 'class-validator';
import { createHash } from 'node:crypto';
import { FandengOptionsError } from '../errors/fandeng-options.error.js';
import { IsLoggerOption } from '../options/logger-option.js';

/**
 * An API key with the name of the consumer that holds it: the name appears in the hub's log lines
 * about that consumer (its token pulls at debug level, its rejection reports).
 */
export interface FandengHubApiKey {
  /** The key (16+ characters), or its SHA-256 digest as `sha256:<64 hex>`. */
  key: string;
  /** Letters, digits, `.`, `_`, `-`; 1 to 64 of them. */
  consumer: string;
}

/** Options of `FandengTokenHubModule.forRoot()` / `forRootAsync()`. */
export interface FandengTokenHubOptions {
  /**
   * The API keys consumers may present (`Authorization: Bearer <key>`). Several at once, so a
   * key can be rotated: add the new one, move the consumers, remove the old one. Each is the key
   * (16+ characters), or better its SHA-256 digest, `sha256:<64 hex>` (`printf %s "$KEY" |
   * sha256sum`), so the hub's configuration holds nothing a consumer could be impersonated with;
   * either may carry a consumer name (`{ key, consumer }`).
   */
  apiKeys: (string | FandengHubApiKey)[];
  /**
   * A rejected-token report makes the hub refresh only if its token is at least this old
   * (seconds), so no consumer can spend the platform's daily quota. Default `60`.
   */
  minRefreshIntervalSeconds?: number;
  /** Serve the token of the `FandengAuthModule` registration with this `name`. Default: the unnamed one. */
  name?: string;
  /** `false` silences the hub; a `LoggerService` receives its lines. Default: Nest's `Logger`. */
  logger?: LoggerService | false;
}

/** Extras of the hub module that shape its routes. */
export interface FandengTokenHubExtras {
  /** Path of the hub's routes (`GET {path}/token`, `POST {path}/token/rejected`). Default `fandeng-token-hub`. */
  path?: string;
}

export const DEFAULT_HUB_PATH = 'fandeng-token-hub';
export const DEFAULT_HUB_MIN_REFRESH_INTERVAL_SECONDS = 60;
export const MIN_HUB_API_KEY_LENGTH = 16;
export const FANDENG_TOKEN_HUB_MODULE_OPTIONS = 'FANDENG_AUTH:HUB_MODULE_OPTIONS';
export const FANDENG_TOKEN_HUB_OPTIONS = 'FANDENG_AUTH:HUB_OPTIONS';

const KEY_DIGEST = /^sha256:[0-9a-f]{64}$/i;
const CONSUMER_NAME = /^[\w.-]{1,64}$/;

/** What is wrong with one entry of `apiKeys`, or `undefined`. Never echoes the key. */
function apiKeyProblem(entry: unknown): string | undefined {
  const named = typeof entry === 'object' && entry !== null;
  const key: unknown = named ? (entry as { key?: unknown }).key : entry;
  if (typeof key !== 'string') return 'a key string, or { key, consumer }';
  if (key.startsWith('sha256:')) {
    if (!KEY_DIGEST.test(key)) return 'a sha256: digest of 64 hex digits';
  } else if (key.length < MIN_HUB_API_KEY_LENGTH || /\s/.test(key)) {
    return `at least ${MIN_HUB_API_KEY_LENGTH} characters without whitespace (or sha256:<hex>)`;
  }
  if (!named) return undefined;
  const extra = Object.keys(entry).filter((field) => field !== 'key' && field !== 'consumer');
  if (extra.length > 0) return `only key and consumer (not ${extra.join(', ')})`;
  const { consumer } = entry as { consumer?: unknown };
  return typeof consumer === 'string' && CONSUMER_NAME.test(consumer)
    ? undefined
    : 'a consumer name of 1-64 letters, digits, . _ -';
}

class TokenHubOptionsSchema {
  @IsArray()
  @ArrayNotEmpty()
  @ValidateBy({
    name: 'isHubApiKeys',
    validator: {
      validate: (value) => !Array.isArray(value) || value.every((e) => !apiKeyProblem(e)),
      defaultMessage: (args) => {
        const entries = Array.isArray(args?.value) ? (args.value as unknown[]) : [];
        const at = entries.findIndex((e) => apiKeyProblem(e) !== undefined);
        return `apiKeys[${at}] must be ${apiKeyProblem(entries[at])}`;
      },
    },
  })
  apiKeys: unknown[];

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  name?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  minRefreshIntervalSeconds?: number;

  @IsOptional()
  @IsLoggerOption()
  logger?: unknown;
}

/** A key as the hub keeps it: the SHA-256 digest, and the consumer's name if given. */
export interface HubKey {
  digest: Buffer;
  consumer?: string;
}

export type ResolvedTokenHubOptions = Required<
  Omit<FandengTokenHubOptions, 'logger' | 'name' | 'apiKeys'>
> &
  Pick<FandengTokenHubOptions, 'logger' | 'name'> & { keys: HubKey[] };

/** The SHA-256 digest of a key as the guard compares it. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function hubKey(entry: string | FandengHubApiKey): HubKey {
  const key = typeof entry === 'string' ? entry : entry.key;
  const digest = KEY_DIGEST.test(key) ? Buffer.from(key.slice(7), 'hex') : keyDigest(key);
  return { digest, consumer: typeof entry === 'string' ? undefined : entry.consumer };
}

/** Validates the hub's options at boot, naming each bad field (never a key). */
export function resolveTokenHubOptions(options: FandengTokenHubOptions): ResolvedTokenHubOptions {
  if (typeof options !== 'object' || options === null)
    throw new FandengOptionsError(['options: must be an object']);
  const errors = validateSync(Object.assign(new TokenHubOptionsSchema(), options), {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
  });
  const problems = errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`),
  );
  if (problems.length > 0) throw new FandengOptionsError(problems);
  return {
    keys: options.apiKeys.map(hubKey),
    minRefreshIntervalSeconds:
      options.minRefreshIntervalSeconds ?? DEFAULT_HUB_MIN_REFRESH_INTERVAL_SECONDS,
    name: options.name,
    logger: options.logger,
  };
}
