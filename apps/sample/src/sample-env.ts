import { IsNotEmpty, IsOptional, IsString, IsUrl, validateSync } from 'class-validator';

/** The sample's environment, validated at boot (ConfigModule's `validate`). */
export class SampleEnv {
  @IsString() @IsNotEmpty()
  FANDENG_CLIENT_ID: string;

  @IsString() @IsNotEmpty()
  FANDENG_CLIENT_SECRET: string;

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  FANDENG_BASE_URL: string;

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  FANDENG_API_BASE_URL?: string;
}

export function validateSampleEnv(env: Record<string, unknown>): SampleEnv {
  const parsed = Object.assign(new SampleEnv(), env);
  const errors = validateSync(parsed, { stopAtFirstError: true });
  if (errors.length > 0) {
    const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `  - ${e.property}: ${m}`));
    throw new Error(`Invalid environment (see .env.example):\n${problems.join('\n')}`);
  }
  return parsed;
}
