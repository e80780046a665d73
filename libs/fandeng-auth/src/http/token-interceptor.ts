import { Readable } from 'node:stream';
import type { HttpService } from '@nestjs/axios';
import axios, {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosRequestConfig,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { TokenService } from '../token/token.service.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import { OriginGuard } from './authorized-origins.js';

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

/** What the interceptor remembers on a request it signed. */
interface Signed {
  token: string;
  /** The Authorization header it set. */
  header: string;
  replayed: boolean;
}
// A string key, not a symbol: axios's mergeConfig drops symbol keys when a request is replayed.
const SIGNED = '__fandengAuth';
type SignedConfig = InternalAxiosRequestConfig & { [SIGNED]?: Signed };
type BeforeRedirect = NonNullable<InternalAxiosRequestConfig['beforeRedirect']>;

function scheme(tokenType: string): string {
  return tokenType.toLowerCase() === 'bearer' ? 'Bearer' : tokenType;
}

/**
 * The URL that actually answered, where the adapter tells (Node's http adapter follows
 * redirects, and records the last URL on the response; a browser's XHR has `responseURL`).
 */
function respondingUrl(request: unknown): string | undefined {
  const req = request as { res?: { responseUrl?: unknown }; responseURL?: unknown } | undefined;
  const url = req?.res?.responseUrl ?? req?.responseURL;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/** A body that was consumed by the first send cannot be sent again. */
function isReplayable(data: unknown): boolean {
  return (
    !(data instanceof Readable) &&
    typeof (data as { pipe?: unknown } | undefined)?.pipe !== 'function'
  );
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

  // A redirect to an origin outside the allowlist must not carry the token along.
  const stripOnRedirect: BeforeRedirect = (redirect) => {
    if (guard.allows(`${redirect.protocol}//${redirect.host ?? redirect.hostname}`)) return;
    for (const name of Object.keys(redirect.headers ?? {})) {
      if (name.toLowerCase() === 'authorization') delete redirect.headers[name];
    }
  };
  const guardedRedirects = new WeakSet<BeforeRedirect>([stripOnRedirect]);

  // axios runs request interceptors in reverse order of registration: one the user registered
  // before this one runs after it, and may send the request elsewhere. The adapter runs after
  // every interceptor, on the URL that is really sent: there the token is taken back from a
  // request that no longer goes to an authorised origin.
  const guardedAdapters = new WeakSet<object>();
  const guardAdapter = (adapter: AxiosRequestConfig['adapter']): AxiosAdapter => {
    let resolved: AxiosAdapter | undefined;
    const guarded: AxiosAdapter = (config: SignedConfig) => {
      const signed = config[SIGNED];
      if (
        signed !== undefined &&
        !guard.allowsRequest(config.url, config.baseURL, config.allowAbsoluteUrls)
      ) {
        if (config.headers.get('Authorization') === signed.header) {
          config.headers.delete('Authorization');
        }
        delete config[SIGNED];
      }
      resolved ??= axios.getAdapter(adapter ?? axios.defaults.adapter);
      return resolved(config);
    };
    guardedAdapters.add(guarded);
    return guarded;
  };
  const originalAdapter = instance.defaults.adapter;
  const defaultAdapter = guardAdapter(originalAdapter);
  instance.defaults.adapter = defaultAdapter;

  let lastToken: AccessToken | undefined;
  let lastHeader = '';
  const sign = (config: SignedConfig, token: AccessToken): SignedConfig => {
    if (token !== lastToken) {
      lastToken = token;
      lastHeader = `${scheme(token.tokenType)} ${token.value}`;
    }
    const headers = AxiosHeaders.from(config.headers);
    headers.set('Authorization', lastHeader);
    config.headers = headers;
    config[SIGNED] = {
      token: token.value,
      header: lastHeader,
      replayed: config[SIGNED] !== undefined,
    };
    if (!guardedAdapters.has(config.adapter as object))
      config.adapter = guardAdapter(config.adapter);
    const userRedirect = config.beforeRedirect;
    if (userRedirect === undefined) {
      config.beforeRedirect = stripOnRedirect;
    } else if (!guardedRedirects.has(userRedirect)) {
      const chained: BeforeRedirect = (redirect, response, request) => {
        stripOnRedirect(redirect, response, request);
        userRedirect(redirect, response, request);
      };
      guardedRedirects.add(chained);
      config.beforeRedirect = chained;
    }
    return config;
  };

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

  const replayOn401 = async (error: unknown): Promise<AxiosResponse> => {
    if (!(error instanceof AxiosError) || error.response?.status !== 401 || !error.config)
      throw error;
    const config = error.config as SignedConfig;
    const signed = config[SIGNED];
    const responder = respondingUrl(error.request);
    if (
      !retryOnUnauthorized ||
      signed === undefined ||
      // A redirect took the request to another origin, which answered 401: the token was not
      // sent there (stripOnRedirect), so its 401 says nothing about the token.
      (responder !== undefined && !guard.allows(responder)) ||
      signed.replayed ||
      !isReplayable(config.data)
    ) {
      throw error;
    }
    await tokens.invalidate(signed.token);
    const fresh = await tokens.getAccessToken();
    if (fresh === signed.token) throw error; // the token was kept: a replay would only fail again
    signed.replayed = true;
    tokens.metrics.count('unauthorizedReplays');
    return instance.request(config);
  };

  const syncId = instance.interceptors.request.use(signSync, undefined, {
    synchronous: true,
    runWhen: signNow,
  });
  const asyncId = instance.interceptors.request.use(signAsync, undefined, {
    runWhen: () => mustWait,
  });
  const responseId = instance.interceptors.response.use(undefined, replayOn401);
  return () => {
    if (instance.defaults.adapter === defaultAdapter) instance.defaults.adapter = originalAdapter;
    instance.interceptors.request.eject(syncId);
    instance.interceptors.request.eject(asyncId);
    instance.interceptors.response.eject(responseId);
  };
}
