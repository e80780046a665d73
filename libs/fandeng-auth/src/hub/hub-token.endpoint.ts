import type { AxiosRequestConfig } from 'axios';
import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import type { FandengHubClientOptions } from '../interfaces/fandeng-auth-options.interface.js';
import type { FetchedToken, TokenEndpoint } from '../token/token-client.js';
import { parseRetryAfter, type RawTokenResponse } from '../token/token-response.js';
import {
  HUB_REJECTED_ROUTE,
  HUB_TOKEN_ROUTE,
  tokenDigest,
  type HubErrorAnswer,
  type HubTokenAnswer,
} from './hub-protocol.js';

const TOKEN_VALUE = /^[\x21-\x7e]+$/;

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * A consumer's token source: the token hub. `GET {url}/token`, or after a 401
 * `POST {url}/token/rejected` with the rejected token's digest, authenticated by the API key.
 */
export class HubTokenEndpoint implements TokenEndpoint {
  readonly description: string;
  /** The hub's URL as it may be shown: origin and path, never a `user:password@` it carries. */
  readonly location: string;
  readonly secrets: readonly string[];
  private readonly base: string;

  constructor(private readonly hub: Required<FandengHubClientOptions>) {
    this.base = hub.url.replace(/\/+$/, '');
    const url = new URL(this.base);
    this.location = `${url.origin}${url.pathname.replace(/\/$/, '')}`;
    this.description = `the token hub at ${this.location}`;
    this.secrets = [hub.apiKey];
  }

  request(rejected?: string): AxiosRequestConfig {
    const headers = { Authorization: `Bearer ${this.hub.apiKey}` };
    if (rejected === undefined)
      return { method: 'GET', url: `${this.base}/${HUB_TOKEN_ROUTE}`, headers };
    return {
      method: 'POST',
      url: `${this.base}/${HUB_REJECTED_ROUTE}`,
      headers: { ...headers, 'Content-Type': 'application/json' },
      data: JSON.stringify({ digest: tokenDigest(rejected) }),
    };
  }

  interpret(answer: RawTokenResponse, requestedAt: number): FetchedToken {
    if (answer.status === 200) return this.token(answer, requestedAt);
    throw this.failure(answer);
  }

  private token(answer: RawTokenResponse, requestedAt: number): FetchedToken {
    const json = parseJson(answer.body) as Partial<HubTokenAnswer> | undefined;
    const valid =
      typeof json === 'object' &&
      json !== null &&
      typeof json.value === 'string' &&
      TOKEN_VALUE.test(json.value) &&
      typeof json.tokenType === 'string' &&
      isNumber(json.expiresInSeconds) &&
      json.expiresInSeconds > 0 &&
      isNumber(json.ageSeconds) &&
      json.ageSeconds >= 0 &&
      isNumber(json.expiresIn) &&
      (json.renewsInSeconds === undefined || isNumber(json.renewsInSeconds));
    if (!valid) {
      throw new FandengMalformedResponseError(
        `${this.description} answered 200 with something that is not a token (${answer.body.length} bytes)`,
        { status: answer.status },
      );
    }
    // Relative times, measured from when the request left: never later than the truth.
    return {
      token: {
        value: json.value!,
        tokenType: json.tokenType!,
        expiresIn: json.expiresIn!,
        expiresAt: new Date(requestedAt + json.expiresInSeconds! * 1000),
        obtainedAt: new Date(requestedAt - json.ageSeconds! * 1000),
        scope: Array.isArray(json.scope)
          ? json.scope.filter((s): s is string => typeof s === 'string')
          : [],
        jti: typeof json.jti === 'string' ? json.jti : undefined,
      },
      renewedFrom:
        json.renewsInSeconds === undefined
          ? undefined
          : requestedAt + Math.max(0, json.renewsInSeconds) * 1000,
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
    if (status >= 500 || status === 429 || status === 408) {
      return new FandengTransportError(`${this.description} answered HTTP ${status}${why}`, {
        status,
        retryAfterMs: parseRetryAfter(answer.retryAfter, Date.now()),
      });
    }
    return new FandengMalformedResponseError(`${this.description} answered HTTP ${status}${why}`, {
      status,
    });
  }
}
