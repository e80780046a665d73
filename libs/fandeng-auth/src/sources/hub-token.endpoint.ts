import type { AxiosRequestConfig } from 'axios';
import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import { classifyTokenFailure, isTransientStatus } from './token-failure.js';
import type { ResolvedHubOptions } from '../options/resolve-options.js';
import type { FetchedToken, TokenEndpoint } from './token-endpoint.interface.js';
import { isRecord, parseJson, parseRetryAfter, type RawTokenResponse } from './token-response.js';
import { checkToken } from './token-shape.js';
import {
  HUB_REJECTED_ROUTE,
  HUB_TOKEN_ROUTE,
  tokenDigest,
  type HubErrorAnswer,
  type HubTokenAnswer,
} from './hub-protocol.js';
import { MAX_EXPIRES_IN_SECONDS } from '../fandeng-auth.constants.js';

/** Seconds as the hub states them: finite and at most the longest lifetime, or not at all. */
function seconds(value: unknown): number | undefined {
  return typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= 0 &&
    value <= MAX_EXPIRES_IN_SECONDS
    ? value
    : undefined;
}

/** After moving off the first hub, a consumer goes back to it this long after. */
export const HUB_RETURN_MS = 60_000;

/** A hub's URL as it may be shown: origin and path, never a `user:password@` it carries. */
function locationOf(base: string): string {
  const url = new URL(base);
  return `${url.origin}${url.pathname.replace(/\/$/, '')}`;
}

/**
 * A consumer's token source: the token hub. `GET {url}/token`, or after a 401
 * `POST {url}/token/rejected` with the rejected token's digest, authenticated by the API key.
 * With several hub replicas, requests go to the first; any answer that is not a usable token
 * (no answer, a 5xx, a 429, a 200 that is not a token) moves them to the next, and
 * {@link HUB_RETURN_MS} later they go back to the first. A 401/403 moves them too, once per
 * replica: when every replica refused the key, it is the key, and the error stands. A request
 * this process's own pacer refused was never sent, and moves nothing.
 */
export class HubTokenEndpoint implements TokenEndpoint {
  readonly secrets: readonly string[];
  private readonly bases: string[];
  private readonly locations: string[];
  private current = 0;
  private movedAt = 0;
  /** Replicas that refused the key since the last token: each is re-checked by the next. */
  private readonly refusedBy = new Set<number>();

  constructor(
    private readonly hub: Pick<ResolvedHubOptions, 'urls' | 'apiKey'>,
    /** The clock (monotonic ms); a test may pass its own. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.bases = hub.urls.map((url) => url.replace(/\/+$/, ''));
    this.locations = this.bases.map(locationOf);
    this.secrets = [hub.apiKey];
  }

  /** The URL of the hub that requests go to now, as it may be shown. */
  get location(): string {
    return this.locations[this.current];
  }

  get description(): string {
    return `the token hub at ${this.location}`;
  }

  /**
   * A request failed: unless it was never sent (paced) or every replica has refused the key, the
   * next replica gets the next request. Says where requests go now, or `undefined` if nowhere new.
   */
  failed(error: FandengAuthError): string | undefined {
    if (this.bases.length < 2) return undefined;
    const kind = classifyTokenFailure(error);
    if (kind === 'paced' || kind === 'refused') return undefined;
    if (kind === 'rejected') {
      this.refusedBy.add(this.current);
      if (this.refusedBy.size >= this.bases.length) return undefined;
    }
    this.current = (this.current + 1) % this.bases.length;
    this.movedAt = this.now();
    return this.description;
  }

  request(rejected?: string): AxiosRequestConfig {
    if (this.current !== 0 && this.now() - this.movedAt >= HUB_RETURN_MS) this.current = 0;
    const base = this.bases[this.current];
    const headers = { Authorization: `Bearer ${this.hub.apiKey}` };
    if (rejected === undefined)
      return { method: 'GET', url: `${base}/${HUB_TOKEN_ROUTE}`, headers };
    return {
      method: 'POST',
      url: `${base}/${HUB_REJECTED_ROUTE}`,
      headers: { ...headers, 'Content-Type': 'application/json' },
      data: JSON.stringify({ digest: tokenDigest(rejected) }),
    };
  }

  /**
   * Asking a hub costs no quota, so the probe is the token request itself: the hub is back when
   * it hands out a token (a 503 means it has none yet, a 5xx or no answer that it is down).
   */
  probe(): { request: AxiosRequestConfig; alive: (status: number) => boolean } {
    return { request: this.request(), alive: (status) => status === 200 };
  }

  interpret(answer: RawTokenResponse, requestedAt: number): FetchedToken {
    if (answer.status !== 200) throw this.failure(answer);
    const fetched = this.token(answer, requestedAt);
    this.refusedBy.clear();
    return fetched;
  }

  private token(answer: RawTokenResponse, requestedAt: number): FetchedToken {
    const json = parseJson(answer.body);
    const fields: Partial<Record<keyof HubTokenAnswer, unknown>> = isRecord(json) ? json : {};
    const expiresInSeconds = seconds(fields.expiresInSeconds);
    const ageSeconds = seconds(fields.ageSeconds);
    const renewsInSeconds = seconds(fields.renewsInSeconds);
    // Relative times, measured from when the request left: never later than the truth.
    const checked = checkToken(
      {
        value: fields.value,
        tokenType: fields.tokenType,
        expiresIn: fields.expiresIn,
        expiresAt: requestedAt + (expiresInSeconds ?? NaN) * 1000,
        obtainedAt: requestedAt - (ageSeconds ?? NaN) * 1000,
        scope: fields.scope,
        jti: fields.jti,
      },
      Date.now(),
    );
    if (typeof checked === 'string') {
      throw new FandengMalformedResponseError(
        `${this.description} answered 200 with something that is not a token (${answer.body.length} bytes: ${checked})`,
        { status: answer.status },
      );
    }
    return {
      token: checked,
      renewedFrom: renewsInSeconds === undefined ? undefined : requestedAt + renewsInSeconds * 1000,
    };
  }

  private failure(answer: RawTokenResponse): FandengAuthError {
    const { status } = answer;
    if (status === 401 || status === 403) {
      return new FandengCredentialsError(
        `${this.description} refused the API key (HTTP ${status}): check hub.apiKey against the hub's apiKeys`,
        { status },
      );
    }
    const json = parseJson(answer.body) as Partial<HubErrorAnswer> | undefined;
    const why =
      typeof json === 'object' && json !== null && typeof json.code === 'string'
        ? `: the hub has no token (${json.code}${typeof json.message === 'string' ? `: ${json.message}` : ''})`
        : '';
    if (isTransientStatus(status)) {
      return new FandengTransportError(`${this.description} answered HTTP ${status}${why}`, {
        status,
        // The hub's own code: a program (doctor) tells "the hub has no token" from a bare 5xx by it.
        error: why ? 'token_unavailable' : undefined,
        retryAfterMs: parseRetryAfter(answer.retryAfter, Date.now()),
      });
    }
    return new FandengMalformedResponseError(`${this.description} answered HTTP ${status}${why}`, {
      status,
    });
  }
}
