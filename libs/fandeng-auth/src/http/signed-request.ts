import { AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { SendGuards } from './send-guards.js';

/** What the interceptor remembers on a request it signed. */
export interface Signed {
  token: string;
  /** The Authorization header it set. */
  header: string;
  replayed: boolean;
}

// A string key, not a symbol: axios's mergeConfig drops symbol keys when a request is replayed.
export const SIGNED = '__fandengAuth';

// Where a request that waits for the first token carries the step that signs it at the adapter.
export const DEFERRED = '__fandengAuthDeferred';

/** A request config, with what the interceptor put on it when it signed it. */
export type SignedConfig = InternalAxiosRequestConfig & {
  [SIGNED]?: Signed;
  [DEFERRED]?: (config: SignedConfig) => Promise<SignedConfig>;
};

/** The `Authorization` value for a token: `Bearer <token>` (the platform says `bearer`). */
export function authorizationValue(token: AccessToken): string {
  const scheme = token.tokenType.toLowerCase() === 'bearer' ? 'Bearer' : token.tokenType;
  return `${scheme} ${token.value}`;
}

/**
 * Signs a request with a token: sets its Authorization header (built once per token, not per
 * request), records what was signed (for a 401 replay) and puts the send guards on it.
 */
export function signer(
  guards: SendGuards,
): (config: SignedConfig, token: AccessToken) => SignedConfig {
  let lastToken: AccessToken | undefined;
  let lastHeader = '';
  return (config, token) => {
    if (token !== lastToken) {
      lastToken = token;
      lastHeader = authorizationValue(token);
    }
    const headers = AxiosHeaders.from(config.headers);
    headers.set('Authorization', lastHeader);
    config.headers = headers;
    config[SIGNED] = {
      token: token.value,
      header: lastHeader,
      replayed: config[SIGNED] !== undefined,
    };
    guards.protect(config);
    return config;
  };
}
