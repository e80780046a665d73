import type { HttpService } from '@nestjs/axios';
import { AxiosHeaders, type AxiosInstance } from 'axios';
import type { TokenService } from '../token/token.service.js';
import { OriginGuard } from './authorized-origins.js';
import { replayOn401 } from './replay-on-401.js';
import { SendGuards } from './send-guards.js';
import { SIGNED, signer, type SignedConfig } from './signed-request.js';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** `false`: send this request without the platform token, even to an authorised origin. */
    fandengAuth?: boolean;
  }
}

/** What the interceptor uses of a `TokenService`: a fake with these members will do. */
export type InterceptorTokenSource = Pick<
  TokenService,
  'peekToken' | 'getToken' | 'getAccessToken' | 'invalidate' | 'metrics'
>;

/** Options of {@link installTokenInterceptor}. */
export interface TokenInterceptorOptions {
  /** Origins (`https://host[:port]`) that may receive the token. Every other origin gets none. */
  authorizedOrigins: readonly string[];
  /** On a 401 from an authorised origin, invalidate the token and replay once. Default `true`. */
  retryOnUnauthorized?: boolean;
}

/**
 * Puts `Authorization: Bearer <token>` on requests bound for an authorised origin, and on a 401
 * from one, reports the rejected token and replays the request once with a fresh token.
 * Returns a function that removes the interceptors again.
 *
 * Signing is synchronous (axios then skips the promise chain it builds for asynchronous
 * interceptors); a request that must wait for the first token waits in the adapter.
 */
export function installTokenInterceptor(
  target: AxiosInstance | HttpService,
  tokens: InterceptorTokenSource,
  options: TokenInterceptorOptions,
): () => void {
  const instance = 'axiosRef' in target ? target.axiosRef : target;
  const guard = new OriginGuard(options.authorizedOrigins);
  const retryOnUnauthorized = options.retryOnUnauthorized ?? true;

  const guards = new SendGuards(guard);
  const originalAdapter = instance.defaults.adapter;
  const defaultAdapter = guards.adapter(originalAdapter);
  instance.defaults.adapter = defaultAdapter;

  const ejectSigners = installSigners(instance, tokens, guard, guards);
  const responseId = retryOnUnauthorized
    ? instance.interceptors.response.use(undefined, replayOn401(instance, tokens, guard))
    : undefined;
  return () => {
    if (instance.defaults.adapter === defaultAdapter) instance.defaults.adapter = originalAdapter;
    ejectSigners();
    if (responseId !== undefined) instance.interceptors.response.eject(responseId);
  };
}

/**
 * The request side: one synchronous interceptor. It signs a request at once when a token is
 * held; a request that must wait for a token is signed by the adapter, after every interceptor,
 * when the token is there. Returns a function that ejects it.
 *
 * Why not an asynchronous interceptor for the wait: axios then runs the request through its
 * promise chain instead of its synchronous path, and a boot whose first requests took that path
 * left axios's shared code slower for the life of the process (issue 23), while a process that
 * never waited did not slow down. Waiting in the adapter keeps axios on one path.
 */
function installSigners(
  instance: AxiosInstance,
  tokens: InterceptorTokenSource,
  guard: OriginGuard,
  guards: SendGuards,
): () => void {
  const sign = signer(guards);

  // Decided on the config as it is when the check runs: an interceptor the user registered
  // before this one runs after it, and may retarget the request, opt out or set its own
  // Authorization; the adapter checks the origin once more, after every interceptor.
  const wantsToken = (config: SignedConfig): boolean =>
    config.fandengAuth !== false &&
    guard.allowsRequest(config.url, config.baseURL, config.allowAbsoluteUrls) &&
    // The caller's own Authorization wins; on a replay the header is ours and is replaced.
    (config[SIGNED] !== undefined || !AxiosHeaders.from(config.headers).has('Authorization'));

  const signLater = async (config: SignedConfig): Promise<SignedConfig> =>
    wantsToken(config) ? sign(config, await tokens.getToken()) : config;

  const signNow = (config: SignedConfig): SignedConfig => {
    if (!wantsToken(config)) return config;
    const token = tokens.peekToken();
    return token !== undefined ? sign(config, token) : guards.defer(config, signLater);
  };

  const id = instance.interceptors.request.use(signNow, undefined, { synchronous: true });
  return () => instance.interceptors.request.eject(id);
}
