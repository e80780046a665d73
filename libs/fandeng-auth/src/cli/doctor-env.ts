import { FandengOptionsError } from '../errors/fandeng-options.error.js';
import { resolveOptions, type ResolvedFandengAuthOptions } from '../options/resolve-options.js';

/** The environment as the doctor reads it (`process.env`, or a test's own record). */
export type DoctorEnv = Readonly<Record<string, string | undefined>>;

/** The variables the doctor reads: the sample app's, so one `.env` serves both. */
export const DOCTOR_ENV_VARS = {
  clientId: 'FANDENG_CLIENT_ID',
  clientSecret: 'FANDENG_CLIENT_SECRET',
  baseUrl: 'FANDENG_BASE_URL',
  tokenPath: 'FANDENG_TOKEN_PATH',
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
  if (mode === 'consumer') {
    return {
      ok: false,
      problems: [
        'FANDENG_MODE: consumer: this service gets its token from a token hub and holds no ' +
          'platform credentials; run doctor where the hub runs (FANDENG_MODE=hub or direct)',
      ],
      notes: [],
    };
  }
  const problems: string[] = [];
  if (mode && mode !== 'direct' && mode !== 'hub') {
    problems.push('FANDENG_MODE: must be direct, hub or consumer');
  }
  const value = (key: keyof typeof DOCTOR_ENV_VARS): string | undefined => {
    const raw = env[DOCTOR_ENV_VARS[key]];
    return raw === undefined || raw.trim() === '' ? undefined : raw;
  };
  for (const key of REQUIRED) {
    if (value(key) === undefined) problems.push(`${DOCTOR_ENV_VARS[key]}: not set`);
  }
  // A CR from a Windows-edited .env, or a pasted space, would turn into invalid_client at the
  // platform: resolveOptions refuses a secret with surrounding whitespace.
  const secret = value('clientSecret');

  let options: ResolvedFandengAuthOptions | undefined;
  try {
    options = resolveOptions({
      clientId: value('clientId') ?? 'unset',
      clientSecret: secret ?? 'unset',
      baseUrl: value('baseUrl'),
      tokenPath: value('tokenPath'),
      requestTimeoutMs,
      // One call: the doctor reports what happened, it does not hide a fault behind a retry.
      retry: { maxAttempts: 1 },
      logger: false,
    });
  } catch (error) {
    if (!(error instanceof FandengOptionsError)) throw error;
    problems.push(...error.problems.map(envProblem));
  }
  if (!options || problems.length > 0) return { ok: false, problems: unique(problems), notes: [] };
  return { ok: true, options, notes: environmentNotes(env, options) };
}

/** `baseUrl: baseUrl must be a URL address` -> `FANDENG_BASE_URL: must be a URL address`. */
function envProblem(problem: string): string {
  const [path, ...rest] = problem.split(': ');
  const message = rest.join(': ');
  const name =
    path === 'requestTimeoutMs'
      ? '--timeout'
      : (DOCTOR_ENV_VARS[path as keyof typeof DOCTOR_ENV_VARS] ?? path);
  return `${name}: ${message.startsWith(`${path} `) ? message.slice(path.length + 1) : message}`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

/** Settings around the call that explain many a surprise: proxies, plain HTTP, TLS checks off. */
function environmentNotes(env: DoctorEnv, options: ResolvedFandengAuthOptions): string[] {
  const notes: string[] = [];
  const url = new URL(options.tokenUrl);
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
      `${DOCTOR_ENV_VARS.baseUrl} uses http://: the secret travels unencrypted in the query string`,
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
