import { FandengOptionsError } from '../errors/fandeng-options.error.js';
import type { FandengAuthModuleOptions } from '../interfaces/fandeng-auth-options.interface.js';
import { resolveOptions, type ResolvedFandengAuthOptions } from '../options/resolve-options.js';

/** The environment as the doctor reads it (`process.env`, or a test's own record). */
export type DoctorEnv = Readonly<Record<string, string | undefined>>;

/** The variables the doctor reads: the sample app's, so one `.env` serves both. */
export const DOCTOR_ENV_VARS = {
  clientId: 'FANDENG_CLIENT_ID',
  clientSecret: 'FANDENG_CLIENT_SECRET',
  baseUrl: 'FANDENG_BASE_URL',
  tokenPath: 'FANDENG_TOKEN_PATH',
  hubUrl: 'FANDENG_HUB_URL',
  hubApiKey: 'FANDENG_HUB_API_KEY',
} as const;

const REQUIRED = ['clientId', 'clientSecret', 'baseUrl'] as const;

/** What the environment yields: options for one token call, or every problem (names, no values). */
export type DoctorSettings =
  | { ok: true; options: ResolvedFandengAuthOptions; notes: string[] }
  | { ok: false; problems: string[]; notes: string[] };

/**
 * Reads and validates the environment with the module's own rules ({@link resolveOptions}),
 * reporting every problem at once under the variable's name. Never a value: one is the secret.
 */
export function readDoctorEnv(env: DoctorEnv, requestTimeoutMs: number): DoctorSettings {
  const mode = env.FANDENG_MODE?.trim();
  const value = (key: keyof typeof DOCTOR_ENV_VARS): string | undefined => {
    const raw = env[DOCTOR_ENV_VARS[key]];
    return raw === undefined || raw.trim() === '' ? undefined : raw;
  };
  if (mode === 'consumer') return readConsumerEnv(env, value, requestTimeoutMs);
  const problems: string[] = [];
  if (mode && mode !== 'direct' && mode !== 'hub') {
    problems.push('FANDENG_MODE: must be direct, hub or consumer');
  }
  for (const key of REQUIRED) {
    if (value(key) === undefined) problems.push(`${DOCTOR_ENV_VARS[key]}: not set`);
  }
  // A CR from a Windows-edited .env, or a pasted space, would turn into invalid_client at the
  // platform: resolveOptions refuses a secret with surrounding whitespace.
  const secret = value('clientSecret');

  return settle(env, problems, {
    clientId: value('clientId') ?? 'unset',
    clientSecret: secret ?? 'unset',
    baseUrl: value('baseUrl'),
    tokenPath: value('tokenPath'),
    requestTimeoutMs,
  });
}

/**
 * A hub consumer (`FANDENG_MODE=consumer`, as in the sample app) holds no platform credentials:
 * the doctor asks the hub for its current token with the consumer's key. That spends nothing of
 * the platform's daily limit.
 */
function readConsumerEnv(
  env: DoctorEnv,
  value: (key: keyof typeof DOCTOR_ENV_VARS) => string | undefined,
  requestTimeoutMs: number,
): DoctorSettings {
  const problems: string[] = [];
  for (const key of ['hubUrl', 'hubApiKey'] as const) {
    if (value(key) === undefined) problems.push(`${DOCTOR_ENV_VARS[key]}: not set`);
  }
  return settle(env, problems, {
    hub: { url: value('hubUrl') ?? 'http://unset.invalid', apiKey: value('hubApiKey') ?? 'unset' },
    requestTimeoutMs,
  });
}

/**
 * Validates `options` with the module's own rules ({@link resolveOptions}), adding its problems to
 * `problems` under the variables' names.
 */
function settle(
  env: DoctorEnv,
  problems: string[],
  options: FandengAuthModuleOptions,
): DoctorSettings {
  let resolved: ResolvedFandengAuthOptions | undefined;
  try {
    // One call: the doctor reports what happened, it does not hide a fault behind a retry.
    resolved = resolveOptions({ ...options, retry: { maxAttempts: 1 }, logger: false });
  } catch (error) {
    if (!(error instanceof FandengOptionsError)) throw error;
    problems.push(...error.problems.map(envProblem));
  }
  if (!resolved || problems.length > 0) return { ok: false, problems: unique(problems), notes: [] };
  return { ok: true, options: resolved, notes: environmentNotes(env, resolved) };
}

const OPTION_VARS: Record<string, string> = {
  ...DOCTOR_ENV_VARS,
  'hub.url': DOCTOR_ENV_VARS.hubUrl,
  'hub.apiKey': DOCTOR_ENV_VARS.hubApiKey,
  requestTimeoutMs: '--timeout',
};

/** `baseUrl: baseUrl must be a URL address` -> `FANDENG_BASE_URL: must be a URL address` (and `hub.url: url ...`). */
function envProblem(problem: string): string {
  const [path, ...rest] = problem.split(': ');
  const message = rest.join(': ');
  const name = OPTION_VARS[path] ?? path;
  const field = `${path.split('.').pop()} `; // `hub.url: url must be...`
  return `${name}: ${message.startsWith(field) ? message.slice(field.length) : message}`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

/** Settings around the call that explain many a surprise: proxies, plain HTTP, TLS checks off. */
function environmentNotes(env: DoctorEnv, options: ResolvedFandengAuthOptions): string[] {
  const notes: string[] = [];
  const url = new URL(options.hub?.url ?? options.tokenUrl);
  const https = url.protocol === 'https:';
  const proxyVars = https
    ? ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']
    : ['HTTP_PROXY', 'http_proxy'];
  const proxy = proxyVars.find((name) => env[name]);
  if (proxy) {
    notes.push(
      `${proxy} is set: unless NO_PROXY exempts the host, the call goes through that proxy, ` +
        "and the platform sees the proxy's IP address",
    );
  }
  if (!https && !isLoopback(url.hostname)) {
    notes.push(
      options.hub
        ? `${DOCTOR_ENV_VARS.hubUrl} uses http://: the hub key and the token travel unencrypted ` +
            '(keep the hub on a private network)'
        : `${DOCTOR_ENV_VARS.baseUrl} uses http://: the secret travels unencrypted in the query string`,
    );
  }
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    notes.push('NODE_TLS_REJECT_UNAUTHORIZED=0: certificates are not checked; remove it');
  }
  return notes;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}
