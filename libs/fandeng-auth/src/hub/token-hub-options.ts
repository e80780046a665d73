import type { LoggerService } from '@nestjs/common';
import {
  ArrayNotEmpty,
  IsArray,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';
import { FandengOptionsError } from '../errors/fandeng-options.error.js';

/** Options of `FandengTokenHubModule.forRoot()` / `forRootAsync()`. */
export interface FandengTokenHubOptions {
  /**
   * The API keys consumers may present (`Authorization: Bearer <key>`). Several at once, so a
   * key can be rotated: add the new one, move the consumers, remove the old one. 16+ characters.
   */
  apiKeys: string[];
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

class TokenHubOptionsSchema {
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  // No message may echo a key.
  @MinLength(MIN_HUB_API_KEY_LENGTH, {
    each: true,
    message: `each of apiKeys must be at least ${MIN_HUB_API_KEY_LENGTH} characters`,
  })
  apiKeys: string[];

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  name?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  minRefreshIntervalSeconds?: number;

  @IsOptional()
  @ValidateBy({
    name: 'isLoggerOption',
    validator: {
      validate: (value) =>
        value === false ||
        (typeof value === 'object' &&
          value !== null &&
          ['log', 'warn', 'error'].every((m) => typeof value[m] === 'function')),
      defaultMessage: () => 'logger must be false or a LoggerService (log, warn, error)',
    },
  })
  logger?: unknown;
}

export type ResolvedTokenHubOptions = Required<Omit<FandengTokenHubOptions, 'logger' | 'name'>> &
  Pick<FandengTokenHubOptions, 'logger' | 'name'>;

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
    apiKeys: [...options.apiKeys],
    minRefreshIntervalSeconds:
      options.minRefreshIntervalSeconds ?? DEFAULT_HUB_MIN_REFRESH_INTERVAL_SECONDS,
    name: options.name,
    logger: options.logger,
  };
}
