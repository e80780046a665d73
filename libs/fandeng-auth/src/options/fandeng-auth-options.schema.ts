import {
  IsArray,
  IsObject,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

const finite = { allowNaN: false, allowInfinity: false };

function hasMethods(value: unknown, names: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
  );
}

/** The value is an object with these methods (a store, a logger). */
function HasMethods(names: readonly string[], options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasMethods',
      validator: {
        validate: (value) => hasMethods(value, names),
        defaultMessage: (args) => `${args?.property} must have the methods ${names.join(', ')}`,
      },
    },
    options,
  );
}

/** `logger` is `false` or a `LoggerService`. */
function IsLoggerOption(): PropertyDecorator {
  return ValidateBy({
    name: 'isLoggerOption',
    validator: {
      validate: (value) => value === false || hasMethods(value, ['log', 'warn', 'error']),
      defaultMessage: () => 'logger must be false or a LoggerService (log, warn, error)',
    },
  });
}

/** The retry policy, validated as part of the options. */
export class RetryOptionsSchema {
  @IsOptional() @IsInt() @Min(1) @Max(10) maxAttempts?: number;
  @IsOptional() @IsNumber(finite) @Min(0) initialDelayMs?: number;
  @IsOptional() @IsNumber(finite) @Min(0) maxDelayMs?: number;
  @IsOptional() @IsNumber(finite) @Min(0) maxCooldownMs?: number;
}

/** A URL that a path is appended to: a query string or fragment would swallow that path. */
function IsBaseUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isBaseUrl',
    validator: {
      // Only `?` and `#` are checked here; @IsUrl reports anything else.
      validate: (value) => typeof value !== 'string' || !/[?#]/.test(value),
      defaultMessage: (args) => `${args?.property} must not have a query string or fragment`,
    },
  });
}

/** A consumer's hub settings. */
export class HubClientOptionsSchema {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @IsBaseUrl()
  url: string;

  // No message here may echo the value: it is a key.
  @IsString()
  @IsNotEmpty()
  @Matches(/^\S+$/, { message: 'apiKey must not contain whitespace' })
  apiKey: string;
}

/**
 * The module's options as class-validator sees them. Unknown keys are refused, so a typo fails
 * the boot instead of silently falling back to a default.
 */
export class FandengAuthOptionsSchema {
  // Required unless hub is set: resolveOptions says so in words.
  @ValidateIf((o: FandengAuthOptionsSchema) => o.clientId !== undefined)
  @IsString()
  @IsNotEmpty()
  @Matches(/^\S+$/, { message: 'clientId must not contain spaces' })
  clientId?: string;

  // No message here may echo the value: it is the secret.
  @ValidateIf((o: FandengAuthOptionsSchema) => o.clientSecret !== undefined)
  @IsString()
  @IsNotEmpty()
  @Matches(/^\S(.*\S)?$/s, {
    message: 'clientSecret must not be blank or start or end with whitespace',
  })
  clientSecret?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  hub?: HubClientOptionsSchema;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @IsBaseUrl()
  baseUrl?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  apiBaseUrl?: string;

  @IsOptional()
  @IsArray()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { each: true },
  )
  authorizedOrigins?: string[];

  @IsOptional()
  @IsBoolean()
  retryOnUnauthorized?: boolean;

  @IsOptional()
  @IsString()
  @Matches(/^\/\S*$/, { message: 'tokenPath must start with /' })
  tokenPath?: string;

  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  refreshAheadSeconds?: number;

  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(1)
  refreshJitter?: number;

  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  minRefreshIntervalSeconds?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  requestTimeoutMs?: number;

  @IsOptional()
  @ValidateNested()
  retry?: RetryOptionsSchema;

  @IsOptional()
  @HasMethods(['get', 'set', 'delete'])
  store?: unknown;

  @IsOptional()
  @IsInt()
  @Min(1)
  dailyTokenBudget?: number;

  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(1)
  budgetWarnShare?: number;

  @IsOptional()
  @IsInt()
  @Min(-720)
  @Max(840)
  budgetUtcOffsetMinutes?: number;

  @IsOptional()
  @IsBoolean()
  fetchOnStart?: boolean;

  @IsOptional()
  @IsLoggerOption()
  logger?: unknown;
}
