import type { AccessToken } from '../interfaces/access-token.interface.js';
import { ABSOLUTE_URL, OriginGuard, originOf } from './authorized-origins.js';
import { authorizationValue } from './signed-request.js';
import type { InterceptorTokenSource } from './token-interceptor.js';

/** `RequestInit` with the module's per-request switch. */
export interface FandengRequestInit extends RequestInit {
  /** `false`: send this request without the platform token, even to an authorised origin. */
  fandengAuth?: boolean;
}

/** A function with the signature of the global `fetch`, plus the module's per-request switch. */
export type FandengFetchFunction = (
  input: FetchInput,
  init?: FandengRequestInit,
) => Promise<Response>;

/** Options of a {@link FandengFetch}: the same as the axios path's. */
export interface FandengFetchOptions {
  /** Relative paths are resolved against it, as axios resolves them against `baseURL`. */
  apiBaseUrl: string;
  /** Origins (`https://host[:port]`) that may receive the token. Every other origin gets none. */
  authorizedOrigins: readonly string[];
  /** On a 401 from an authorised origin, invalidate the token and replay once. Default `true`. */
  retryOnUnauthorized?: boolean;
}

type FetchInput = string | URL | Request;

/** How many distinct paths {@link FandengFetch} remembers joined to its base (then it starts over). */
const JOINED_LIMIT = 256;

/**
 * The module's fetch path: `fetch(input, init?)` has the signature and the semantics of the global
 * `fetch`, resolves relative paths against `apiBaseUrl` (as the module's `HttpService` does) and
 * puts `Authorization: <type> <token>` on requests to an authorised origin only. A caller's own
 * `Authorization` is kept; `{ fandengAuth: false }` sends a request without the token. A 401 from
 * the origin the token went to reports the token and replays the request once with a fresh one,
 * when the body can be sent again (no body, a string, bytes, a `Blob`, `FormData` or
 * `URLSearchParams`); a stream body or a `Request` with a body gets the 401 as it is.
 *
 * Redirects: fetch drops `Authorization` when a redirect leaves the origin (the Fetch standard,
 * which Node's fetch follows), so the token never follows a redirect to another origin; a 401
 * from there says nothing about the token and is not replayed.
 *
 * `fetch` is a bound function: pass it wherever a fetch function is expected (an OpenAPI
 * client's `fetch` option, for example). {@link wrap} gives the same over another fetch
 * implementation (undici's own `fetch`, one bound to a dispatcher of the app).
 */
export class FandengFetch {
  /** The global `fetch` (read at each call, so an app's own global dispatcher applies). */
  readonly fetch: FandengFetchFunction;
  private readonly guard: OriginGuard;
  private readonly base: string;
  private readonly retryOnUnauthorized: boolean;
  private lastToken: AccessToken | undefined;
  private lastHeader = '';
  /** The `init` of a call that passed none, for the last token: fetch only reads it. */
  private bareInit: RequestInit = {};
  /** Paths already joined to the base, so a repeated path builds no new string (bounded). */
  private readonly joined = new Map<string, string>();

  constructor(
    private readonly tokens: InterceptorTokenSource,
    options: FandengFetchOptions,
  ) {
    this.guard = new OriginGuard(options.authorizedOrigins);
    this.base = options.apiBaseUrl.replace(/\/?\/$/, '');
    this.retryOnUnauthorized = options.retryOnUnauthorized ?? true;
    this.fetch = this.wrapWith((input, init) => globalThis.fetch(input, init), true);
  }

  /** The module's behaviour over another fetch implementation with the global's signature. */
  wrap(fetchImpl: typeof globalThis.fetch): FandengFetchFunction {
    return this.wrapWith(fetchImpl, false);
  }

  /**
   * `shareInit`: a call that passed no `init` gets one object per token, not one per call. Only
   * for the global fetch, which never changes the `init` it is given; another implementation might.
   */
  private wrapWith(fetchImpl: typeof globalThis.fetch, shareInit: boolean): FandengFetchFunction {
    return (input, init) => {
      const url = this.resolve(input);
      if (init?.fandengAuth === false || !this.allows(url) || hasOwnAuthorization(input, init))
        return fetchImpl(url, init);
      const token = this.tokens.peekToken();
      if (token !== undefined) return this.send(fetchImpl, url, init, token, shareInit);
      return this.tokens.getToken().then((t) => this.send(fetchImpl, url, init, t, shareInit));
    };
  }

  /** The URL fetch will request: absolute as it is, a path joined to `apiBaseUrl` as axios joins it
   * (`combineURLs`: the base's path is kept, so a path means the same on both paths of the module). */
  private resolve(input: FetchInput): FetchInput {
    if (typeof input !== 'string') return input;
    let url = this.joined.get(input);
    if (url === undefined) {
      url = ABSOLUTE_URL.test(input) ? input : `${this.base}/${input.replace(/^\/+/, '')}`;
      if (this.joined.size >= JOINED_LIMIT) this.joined.clear();
      this.joined.set(input, url);
    }
    return url;
  }

  /** Is the URL about to be sent on an authorised origin? Memoised: the hot path parses nothing. */
  private allows(url: FetchInput): boolean {
    if (typeof url === 'string') return this.guard.allowsRequest(url, undefined);
    return this.guard.allows(url instanceof URL ? url.origin : url.url);
  }

  private send(
    fetchImpl: typeof globalThis.fetch,
    url: FetchInput,
    init: FandengRequestInit | undefined,
    token: AccessToken,
    shareInit = false,
  ): Promise<Response> {
    const sent = fetchImpl(url, this.sign(url, init, token, shareInit));
    if (!this.retryOnUnauthorized) return sent;
    return sent.then((response) =>
      response.status === 401
        ? this.onUnauthorized(fetchImpl, response, url, init, token.value)
        : response,
    );
  }

  /** The request's `init` with the token's header on it; the caller's `init` is never changed. */
  private sign(
    url: FetchInput,
    init: FandengRequestInit | undefined,
    token: AccessToken,
    shareInit = false,
  ): RequestInit {
    if (token !== this.lastToken) {
      this.lastToken = token;
      this.lastHeader = authorizationValue(token);
      this.bareInit = { headers: { authorization: this.lastHeader } };
    }
    if (shareInit && init === undefined && !(url instanceof Request)) return this.bareInit;
    const own = init?.headers ?? (url instanceof Request ? url.headers : undefined);
    if (own === undefined) return { ...init, headers: { authorization: this.lastHeader } };
    const headers = new Headers(own);
    headers.set('authorization', this.lastHeader);
    return { ...init, headers };
  }

  /**
   * A 401 to a signed request: when it came from the origin the token went to (not from another
   * origin a redirect reached without it), report the token and replay once with a fresh one.
   */
  private async onUnauthorized(
    fetchImpl: typeof globalThis.fetch,
    response: Response,
    url: FetchInput,
    init: FandengRequestInit | undefined,
    rejected: string,
  ): Promise<Response> {
    // Decided here, not per call: only a 401 needs to know. The type of `init.body` says whether it
    // can be sent again; the first send consumed a stream, not the caller's reference to it.
    const sentTo = originOf(
      typeof url === 'string' ? url : url instanceof URL ? url.href : url.url,
    );
    if (!isReplayable(url, init) || (response.url !== '' && originOf(response.url) !== sentTo))
      return response;
    await this.tokens.invalidate(rejected);
    const fresh = await this.tokens.getToken();
    if (fresh.value === rejected) return response; // kept: a replay would only fail again
    await response.body?.cancel().catch(() => undefined);
    this.tokens.metrics.count('unauthorizedReplays');
    return fetchImpl(url, this.sign(url, init, fresh));
  }
}

/** Does the request already carry the caller's own `Authorization`? */
function hasOwnAuthorization(input: FetchInput, init: RequestInit | undefined): boolean {
  const headers = init?.headers ?? (input instanceof Request ? input.headers : undefined);
  if (headers === undefined) return false;
  if (headers instanceof Headers) return headers.has('authorization');
  if (Array.isArray(headers))
    return headers.some(([name]) => name.toLowerCase() === 'authorization');
  return Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
}

/** Can the body be sent a second time? A stream (or a `Request`'s body) is read by the first send. */
function isReplayable(input: FetchInput, init: RequestInit | undefined): boolean {
  const body = init?.body;
  if (body === undefined || body === null)
    return !(input instanceof Request) || input.body === null;
  return (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams
  );
}
