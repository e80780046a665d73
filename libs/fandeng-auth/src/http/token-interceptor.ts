import { Readable } from 'node:stream';
import type { HttpService } from '@nestjs/axios';
import {
  AxiosError,
  AxiosHeaders,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { TokenService } from '../token/token.service.js';
import { authorizedOriginSet, originOf } from './authorized-origins.js';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** `false`: send this request without the platform token, even to an authorised origin. */
    fandengAuth?: boolean;
  }
}

/** Options of {@link installTokenInterceptor}. */
export interface TokenInterceptorOptions {
  /** Origins (`https://host[:port]`) that may receive the token. Every other origin gets none. */
  authorizedOrigins: readonly string[];
  /** On a 401 from an authorised origin, invalidate the token and replay once. Default `true`. */
  retryOnUnauthorized?: boolean;
}

/** What the interceptor remembers on a request it signed. */
interface Signed {
  token: string;
  replayed: boolean;
}
// A string key, not a symbol: axios's mergeConfig drops symbol keys when a request is replayed.
const SIGNED = '__fandengAuth';
type SignedConfig = InternalAxiosRequestConfig & { [SIGNED]?: Signed };

function scheme(tokenType: string): string {
  return tokenType.toLowerCase() === 'bearer' ? 'Bearer' : tokenType;
}

/** A body that was consumed by the first send cannot be sent again. */
function isReplayable(data: unknown): boolean {
  return !(data instanceof Readable) && typeof (data as { pipe?: unknown } | undefined)?.pipe !== 'function';
}

/**
 * Puts `Authorization: Bearer <token>` on requests bound for an authorised origin, and on a 401
 * from one, reports the rejected token and replays the request once with a fresh token.
 * Returns a function that removes the interceptors again.
 */
export function installTokenInterceptor(
  target: AxiosInstance | HttpService,
  tokens: TokenService,
  options: TokenInterceptorOptions,
): () => void {
  const instance = 'axiosRef' in target ? target.axiosRef : target;
  const authorized = authorizedOriginSet(options.authorizedOrigins);
  const retryOnUnauthorized = options.retryOnUnauthorized ?? true;
  const isAuthorized = (url: string | undefined, base?: string) => {
    const origin = url === undefined ? undefined : originOf(url, base);
    return origin !== undefined && authorized.has(origin);
  };

  const sign = async (config: SignedConfig): Promise<SignedConfig> => {
    if (config.fandengAuth === false || !isAuthorized(config.url ?? '', config.baseURL)) return config;
    const headers = AxiosHeaders.from(config.headers);
    const previous = config[SIGNED];
    // The caller's own Authorization wins; on a replay the header is ours and is replaced.
    if (headers.has('Authorization') && previous === undefined) return config;
    const token = await tokens.getToken();
    headers.set('Authorization', `${scheme(token.tokenType)} ${token.value}`);
    config.headers = headers;
    config[SIGNED] = { token: token.value, replayed: previous !== undefined };
    const userRedirect = config.beforeRedirect;
    // A redirect to an origin outside the allowlist must not carry the token along.
    config.beforeRedirect = (redirect, response, request) => {
      if (!isAuthorized(`${redirect.protocol}//${redirect.host ?? redirect.hostname}`)) {
        for (const name of Object.keys(redirect.headers ?? {})) {
          if (name.toLowerCase() === 'authorization') delete redirect.headers[name];
        }
      }
      userRedirect?.(redirect, response, request);
    };
    return config;
  };

  const replayOn401 = async (error: unknown): Promise<AxiosResponse> => {
    if (!(error instanceof AxiosError) || error.response?.status !== 401 || !error.config) throw error;
    const config = error.config as SignedConfig;
    const signed = config[SIGNED];
    if (!retryOnUnauthorized || signed === undefined || signed.replayed || !isReplayable(config.data)) {
      throw error;
    }
    await tokens.invalidate(signed.token);
    const fresh = await tokens.getAccessToken();
    if (fresh === signed.token) throw error; // the token was kept: a replay would only fail again
    signed.replayed = true;
    return instance.request(config);
  };

  const requestId = instance.interceptors.request.use(sign);
  const responseId = instance.interceptors.response.use(undefined, replayOn401);
  return () => {
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}
