import type { HttpService } from '@nestjs/axios';
import { AxiosHeaders, type AxiosInstance } from 'axios';
import type { TokenService } from '../token/token.service.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
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
 * While a token is held, signing is synchronous (axios then skips the promise chain it builds
 * for asynchronous interceptors); only a request that must wait for a token goes the async way.
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
 * The request side: a synchronous signer for a request when a token is held, an asynchronous one
 * for a request that must wait for a token. Returns a function that ejects both.
 */
function installSigners(
  instance: AxiosInstance,
  tokens: InterceptorTokenSource,
  guard: OriginGuard,
  guards: SendGuards,
): () => void {
  const sign = signer(guards);

  const wantsToken = (config: SignedConfig): boolean =>
    config.fandengAuth !== false &&
    guard.allowsRequest(config.url, config.baseURL, config.allowAbsoluteUrls) &&
    // The caller's own Authorization wins; on a replay the header is ours and is replaced.
    (config[SIGNED] !== undefined || !AxiosHeaders.from(config.headers).has('Authorization'));

  // axios asks every interceptor's runWhen, in order, before it runs any of them: the first one
  // decides for the pair, so the token is looked up once per request. It only chooses the path
  // (sign now, or wait for a token): the signer checks the request, once.
  let mustWait = false;
  let ready: AccessToken | undefined;
  const signNow = (config: SignedConfig): boolean => {
    mustWait = false;
    if (config.fandengAuth === false) return false;
    const token = tokens.peekToken();
    if (token !== undefined) {
      ready = token;
      return true;
    }
    // No token held: only a request that will carry one waits for it.
    mustWait = wantsToken(config);
    return false;
  };
  // runWhen saw the config before the interceptors registered after this one ran (axios runs
  // request interceptors last-registered first): one of them may have retargeted it, opted out or
  // set its own Authorization, so the signer decides on the config as it is now. The token found
  // by runWhen a moment ago is still good (old tokens live 5 minutes past a refresh). The origin
  // is checked once more at the adapter, after every interceptor.
  const signSync = (config: SignedConfig) => (wantsToken(config) ? sign(config, ready!) : config);
  const signAsync = async (config: SignedConfig) =>
    wantsToken(config) ? sign(config, await tokens.getToken()) : config;

  const syncId = instance.interceptors.request.use(signSync, undefined, {
    synchronous: true,
    runWhen: signNow,
  });
  const asyncId = instance.interceptors.request.use(signAsync, undefined, {
    runWhen: () => mustWait,
  });
  return () => {
    instance.interceptors.request.eject(syncId);
    instance.interceptors.request.eject(asyncId);
  };
}
