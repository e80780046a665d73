import {
  IsArray,
  IsDefined,
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
import { hasMethods, IsLoggerOption } from './logger-option.js';

/** A number that is not NaN or infinite, said in plain words (class-validator's default is vague). */
const IsFiniteNumber = (): PropertyDecorator =>
  IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: ({ property }) => `${property} must be a finite number` },
  );

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

/** The retry policy, validated as part of the options. */
// class-validator checks a property's decorators from the bottom up, and stops at the first
// problem: the type check sits lowest, so `"5000"` is reported as "must be a number", not as
// out of range.
export class RetryOptionsSchema {
  @IsOptional() @Max(10) @Min(1) @IsInt() maxAttempts?: number;
  // Zero would remove the pause between attempts; the request pacer is the floor below all.
  @IsOptional() @Min(1) @IsFiniteNumber() initialDelayMs?: number;
  @IsOptional() @Min(1) @IsFiniteNumber() maxDelayMs?: number;
  @IsOptional() @Min(1) @IsFiniteNumber() maxCooldownMs?: number;
}

/** A URL that a path is appended to: a query string or fragment would swallow that path. */
function IsBaseUrl(each = false): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBaseUrl',
      validator: {
        // Only `?` and `#` are checked here; @IsUrl reports anything else.
        validate: (value) => typeof value !== 'string' || !/[?#]/.test(value),
        defaultMessage: (args) => `${args?.property} must not have a query string or fragment`,
      },
    },
    { each },
  );
}

/**
 * No `user:password@` in a URL: axios turns it into `Authorization: Basic`, which replaces the
 * header the module means to send (the hub's Bearer key), and the server says "wrong key".
 */
function HasNoUserInfo(each = false): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoUserInfo',
      validator: {
        validate: (value) =>
          typeof value !== 'string' || !/^[a-z][\w+.-]*:\/\/[^/?#]*@/i.test(value),
        // Never the URL itself: the password is in it.
        defaultMessage: (args) =>
          `${args?.property} must not carry a user name or password (user:password@); the key goes in apiKey`,
      },
    },
    { each },
  );
}

/** A consumer's hub settings. */
export class HubClientOptionsSchema {
  // One URL, or a list of replicas (each checked; the list's length is checked in resolveOptions).
  @HasNoUserInfo(true)
  @IsBaseUrl(true)
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { each: true },
  )
  @IsString({ each: true })
  @IsDefined({ message: 'url is required' })
  url: string | string[];

  // No message here may echo the value: it is a key.
  @Matches(/^\S+$/, { message: 'apiKey must not contain whitespace' })
  @IsNotEmpty()
  @IsString()
  @IsDefined({ message: 'apiKey is required' })
  apiKey: string;

  @IsOptional() @Max(10_000_000) @Min(1) @IsInt() requestsPerDay?: number;
}

/**
 * The module's options as class-validator sees them. Unknown keys are refused, so a typo fails
 * the boot instead of silently falling back to a default.
 */
export class FandengAuthOptionsSchema {
  // Required unless hub is set: resolveOptions says so in words.
  @ValidateIf((o: FandengAuthOptionsSchema) => o.clientId !== undefined)
  @Matches(/^\S+$/, { message: 'clientId must not contain spaces' })
  @IsNotEmpty()
  @IsString()
  clientId?: string;

  // No message here may echo the value: it is the secret.
  @ValidateIf((o: FandengAuthOptionsSchema) => o.clientSecret !== undefined)
  @Matches(/^\S(.*\S)?$/s, {
    message: 'clientSecret must not be blank or start or end with whitespace',
  })
  @IsNotEmpty()
  @IsString()
  clientSecret?: string;

  @IsOptional()
  @ValidateNested()
  @IsObject()
  hub?: HubClientOptionsSchema;

  @IsOptional()
  @IsBaseUrl()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @IsString()
  baseUrl?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @IsString()
  apiBaseUrl?: string;

  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { each: true },
  )
  @IsString({ each: true })
  @IsArray()
  authorizedOrigins?: string[];

  @IsOptional()
  @IsBoolean()
  retryOnUnauthorized?: boolean;

  @IsOptional()
  @Matches(/^\/\S*$/, { message: 'tokenPath must start with /' })
  @IsString()
  tokenPath?: string;

  @IsOptional()
  @Min(0)
  @IsFiniteNumber()
  refreshAheadSeconds?: number;

  @IsOptional()
  @Min(0)
  @Max(0.5)
  @IsFiniteNumber()
  refreshAheadShare?: number;

  @IsOptional()
  @Min(0)
  @Max(1)
  @IsFiniteNumber()
  refreshJitter?: number;

  @IsOptional()
  @Min(0)
  @IsFiniteNumber()
  minRefreshIntervalSeconds?: number;

  @IsOptional()
  @Min(1)
  @Max(600_000)
  @IsInt()
  requestTimeoutMs?: number;

  @IsOptional()
  @ValidateNested()
  retry?: RetryOptionsSchema;

  @IsOptional()
  @HasMethods(['get', 'set', 'delete'])
  store?: unknown;

  // The request pacer spaces requests by a day over this: ten million is one every 8.6 ms.
  @IsOptional()
  @Max(10_000_000)
  @Min(1)
  @IsInt()
  dailyTokenBudget?: number;

  @IsOptional()
  @Min(0)
  @Max(1)
  @IsFiniteNumber()
  budgetWarnShare?: number;

  @IsOptional()
  @Min(-720)
  @Max(840)
  @IsInt()
  budgetUtcOffsetMinutes?: number;

  @IsOptional()
  @ValidateIf((o: FandengAuthOptionsSchema) => o.recoveryProbeIntervalMs !== 0)
  @Max(60_000)
  @Min(1_000)
  @IsInt()
  recoveryProbeIntervalMs?: number;

  @IsOptional()
  @IsBoolean()
  fetchOnStart?: boolean;

  @IsOptional()
  @IsLoggerOption()
  logger?: unknown;
}
