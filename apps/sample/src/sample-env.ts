import {
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  ValidateIf,
  validateSync,
} from 'class-validator';

/**
 * How the sample gets its token:
 * - `direct` (default): it holds the platform credentials and refreshes the token itself;
 * - `hub`: as `direct`, and it hands the token to consumers (FandengTokenHubModule);
 * - `consumer`: it holds no credentials and gets the token from a hub.
 */
export type SampleMode = 'direct' | 'hub' | 'consumer';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const holdsCredentials = (env: SampleEnv) => env.FANDENG_MODE !== 'consumer';

/** The sample's environment, validated at boot (ConfigModule's `validate`). */
export class SampleEnv {
  @IsOptional()
  @IsIn(['direct', 'hub', 'consumer'])
  FANDENG_MODE: SampleMode = 'direct';

  @ValidateIf(holdsCredentials)
  @IsString()
  @IsNotEmpty()
  FANDENG_CLIENT_ID?: string;

  @ValidateIf(holdsCredentials)
  @IsString()
  @IsNotEmpty()
  FANDENG_CLIENT_SECRET?: string;

  @IsUrl(URL_OPTIONS)
  FANDENG_BASE_URL: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  FANDENG_API_BASE_URL?: string;

  /** Path of the token endpoint, if not `/oauth/token`. */
  @IsOptional()
  @Matches(/^\/\S*$/, { message: 'FANDENG_TOKEN_PATH must start with /' })
  FANDENG_TOKEN_PATH?: string;

  /** Hub mode: the API keys consumers may use, comma-separated (16+ characters each). */
  @ValidateIf((env: SampleEnv) => env.FANDENG_MODE === 'hub')
  @Matches(/^[^,\s]{16,}(,[^,\s]{16,})*$/, {
    message: 'FANDENG_HUB_API_KEYS must be comma-separated keys of 16+ characters',
  })
  FANDENG_HUB_API_KEYS?: string;

  /** Consumer mode: the hub's URL, path included (`http://hub:3000/fandeng-token-hub`). */
  @ValidateIf((env: SampleEnv) => env.FANDENG_MODE === 'consumer')
  @IsUrl(URL_OPTIONS)
  FANDENG_HUB_URL?: string;

  /** Consumer mode: one of the hub's API keys. */
  @ValidateIf((env: SampleEnv) => env.FANDENG_MODE === 'consumer')
  @IsString()
  @IsNotEmpty()
  FANDENG_HUB_API_KEY?: string;
}

export function validateSampleEnv(env: Record<string, unknown>): SampleEnv {
  const parsed = Object.assign(new SampleEnv(), env);
  const errors = validateSync(parsed, { stopAtFirstError: true });
  if (errors.length > 0) {
    // Names and rules only: never a value, some of them are secrets.
    const problems = errors.flatMap((e) =>
      Object.values(e.constraints ?? {}).map((m) => `  - ${e.property}: ${m}`),
    );
    throw new Error(`Invalid environment (see .env.example):\n${problems.join('\n')}`);
  }
  return parsed;
}
