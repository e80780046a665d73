import { FandengOptionsError } from '../errors/fandeng-options.error.js';
import type { FandengHubApiKey, FandengTokenHubOptions } from '../hub/token-hub-options.js';
import { resolveTokenHubOptions } from '../hub/token-hub-options.js';
import type { FandengAuthModuleOptions } from '../interfaces/fandeng-auth-options.interface.js';
import { readDoctorEnv, type DoctorEnv } from './doctor-env.js';
import { isHostSyntax, parsePort, parseTrustProxy, type TrustProxy } from './hub-listen-env.js';

/** The variables `nestjs-fandeng-auth hub` reads besides the doctor's (the platform's). */
export const HUB_ENV_VARS = {
  apiKeys: 'FANDENG_HUB_API_KEYS',
  path: 'FANDENG_HUB_PATH',
  port: 'PORT',
  host: 'HOST',
  redisUrl: 'REDIS_URL',
  redisKeyPrefix: 'REDIS_KEY_PREFIX',
  trustProxy: 'TRUST_PROXY',
} as const;

/** What `nestjs-fandeng-auth hub` serves, read from the environment. */
export interface HubSettings {
  /** The platform options (credentials, URL), without a store: the server adds it. */
  auth: FandengAuthModuleOptions;
  hub: FandengTokenHubOptions;
  path: string;
  port: number;
  host: string;
  redisUrl?: string;
  redisKeyPrefix?: string;
  /** Express's `trust proxy`: `false` (the socket's peer is the client), a hop count, or addresses. */
  trustProxy: TrustProxy;
}

// Any length of name: a name too long is an error naming it (by the module's validation), not
// silently part of the key. A key that merely ends in `=` or `==` (base64) stays a key.
const CONSUMER_PREFIX = /^([\w.-]+)=([^=].*)$/s;

/**
 * `FANDENG_HUB_API_KEYS`: keys separated by commas, each `key`, `sha256:<hex>`, or
 * `consumer=key` (`billing=sha256:…`). A key that merely ends in `=` (base64) stays a key.
 */
export function parseHubApiKeys(text: string): (string | FandengHubApiKey)[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const named = CONSUMER_PREFIX.exec(entry);
      return named ? { consumer: named[1], key: named[2] } : entry;
    });
}

/**
 * Reads the hub's settings, validated by the module's own rules, reporting every problem at
 * once under the variable's name and never a value (they are the secret and the keys).
 */
export function readHubEnv(
  env: DoctorEnv,
): { ok: true; settings: HubSettings } | { ok: false; problems: string[] } {
  const platform = readDoctorEnv({ ...env, FANDENG_MODE: 'hub' }, 10_000);
  const problems = platform.ok ? [] : [...platform.problems];
  const get = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);

  const apiKeys = parseHubApiKeys(get(HUB_ENV_VARS.apiKeys) ?? '');
  if (apiKeys.length === 0) problems.push(`${HUB_ENV_VARS.apiKeys}: not set`);
  else {
    try {
      resolveTokenHubOptions({ apiKeys, logger: false });
    } catch (error) {
      if (!(error instanceof FandengOptionsError)) throw error;
      problems.push(
        ...error.problems.map((p) => `${HUB_ENV_VARS.apiKeys}: ${p.replace(/^apiKeys: /, '')}`),
      );
    }
  }
  const port = parsePort(env[HUB_ENV_VARS.port]);
  if (port === undefined) problems.push(`${HUB_ENV_VARS.port}: must be a port number (0-65535)`);
  const host = env[HUB_ENV_VARS.host] || '127.0.0.1';
  if (!isHostSyntax(host)) {
    problems.push(`${HUB_ENV_VARS.host}: must be an IP address or a host name`);
  }
  const trustProxy = parseTrustProxy(env[HUB_ENV_VARS.trustProxy]);
  if (typeof trustProxy === 'string') problems.push(`${HUB_ENV_VARS.trustProxy}: ${trustProxy}`);
  const path = (get(HUB_ENV_VARS.path) ?? 'fandeng-token-hub').replace(/^\/+|\/+$/g, '');
  if (!/^[\w./-]{1,200}$/.test(path) || path.includes('..')) {
    problems.push(`${HUB_ENV_VARS.path}: must be a URL path of letters, digits, - _ . /`);
  }
  const redisUrl = get(HUB_ENV_VARS.redisUrl);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(`${HUB_ENV_VARS.redisUrl}: must be a redis:// or rediss:// URL`);
  }
  if (problems.length > 0 || !platform.ok || port === undefined || typeof trustProxy === 'string')
    return { ok: false, problems };
  return {
    ok: true,
    settings: {
      auth: {
        clientId: get('FANDENG_CLIENT_ID'),
        clientSecret: env.FANDENG_CLIENT_SECRET,
        baseUrl: get('FANDENG_BASE_URL'),
        tokenPath: get('FANDENG_TOKEN_PATH'),
      },
      hub: { apiKeys },
      path,
      port,
      host,
      redisUrl,
      redisKeyPrefix: get(HUB_ENV_VARS.redisKeyPrefix),
      trustProxy,
    },
  };
}
