import axios, {
  type AxiosAdapter,
  type AxiosRequestConfig,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { OriginGuard } from './authorized-origins.js';
import { DEFERRED, SIGNED, type SignedConfig } from './signed-request.js';

type BeforeRedirect = NonNullable<InternalAxiosRequestConfig['beforeRedirect']>;

/**
 * Keeps a signed request's token on authorised origins wherever axios takes the request after
 * signing it: a redirect to another origin loses the header (`beforeRedirect`), and so does a
 * request that an interceptor running after the signer sent elsewhere (the adapter, which runs
 * after every interceptor, on the URL that is really sent). One guard of each kind per installed
 * interceptor, shared by its requests: nothing is allocated per request.
 */
export class SendGuards {
  /** A redirect to an origin outside the allowlist must not carry the token along. */
  readonly stripOnRedirect: BeforeRedirect = (redirect) => {
    if (this.guard.allows(`${redirect.protocol}//${redirect.host ?? redirect.hostname}`)) return;
    for (const name of Object.keys(redirect.headers ?? {})) {
      if (name.toLowerCase() === 'authorization') delete redirect.headers[name];
    }
  };
  private readonly redirects = new WeakSet<BeforeRedirect>([this.stripOnRedirect]);
  private readonly adapters = new WeakSet<object>();

  constructor(private readonly guard: OriginGuard) {}

  /**
   * `adapter`, taking the token back from a request that no longer goes to an authorised
   * origin. axios runs request interceptors in reverse order of registration: one the user
   * registered before the signer runs after it, and may retarget the request. A request that
   * waits for the first token ({@link defer}) waits here, after every interceptor.
   */
  adapter(adapter: AxiosRequestConfig['adapter']): AxiosAdapter {
    let resolved: AxiosAdapter | undefined;
    const send: AxiosAdapter = (config: SignedConfig) => {
      const signed = config[SIGNED];
      if (
        signed !== undefined &&
        !this.guard.allowsRequest(config.url, config.baseURL, config.allowAbsoluteUrls)
      ) {
        if (config.headers.get('Authorization') === signed.header) {
          config.headers.delete('Authorization');
        }
        delete config[SIGNED];
      }
      resolved ??= axios.getAdapter(adapter ?? axios.defaults.adapter);
      return resolved(config);
    };
    const guarded: AxiosAdapter = (config: SignedConfig) => {
      const waiting = config[DEFERRED];
      if (waiting === undefined) return send(config);
      delete config[DEFERRED];
      return waiting(config).then(send);
    };
    this.adapters.add(guarded);
    return guarded;
  }

  /**
   * Sends `config` through this guard's adapter, which runs `sign` on it (waiting for a token)
   * just before the request goes out. The interceptor stays synchronous: axios's own request
   * path is the same at boot as in the steady state.
   */
  defer(config: SignedConfig, sign: (config: SignedConfig) => Promise<SignedConfig>): SignedConfig {
    this.route(config);
    config[DEFERRED] = sign;
    return config;
  }

  /** Puts both guards on a request just signed (the user's own `beforeRedirect` still runs). */
  protect(config: SignedConfig): void {
    this.route(config);
    const userRedirect = config.beforeRedirect;
    if (userRedirect === undefined) {
      config.beforeRedirect = this.stripOnRedirect;
    } else if (!this.redirects.has(userRedirect)) {
      const chained: BeforeRedirect = (redirect, response, request) => {
        this.stripOnRedirect(redirect, response, request);
        userRedirect(redirect, response, request);
      };
      this.redirects.add(chained);
      config.beforeRedirect = chained;
    }
  }

  /** Makes sure the request goes out through a guarded adapter (it may have its own adapter). */
  private route(config: SignedConfig): void {
    if (!this.adapters.has(config.adapter as object)) config.adapter = this.adapter(config.adapter);
  }
}
