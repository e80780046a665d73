import type { AxiosRequestConfig } from 'axios';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import type { RawTokenResponse } from './token-response.js';

// The two ways of getting a token, the platform and a token hub, are the same kind of thing: a
// TokenEndpoint, which says what to send and what an answer means. The token client (token/)
// sends; the endpoints here never do I/O.

/** A token as a source hands it over, with the source's hint of when it will have a newer one. */
export interface FetchedToken {
  token: AccessToken;
  /** Epoch ms from which the source expects to hand out a newer token (a hub knows its schedule). */
  renewedFrom?: number;
}

/** Where tokens come from: the platform's token endpoint, or a token hub. */
export interface TokenEndpoint {
  /** Safe to print: no query string, no key. */
  readonly description: string;
  /** Strings that must never reach an error message (the secret, an API key). */
  readonly secrets: readonly string[];
  /** The request; `rejected` is a token the platform refused, for a source that wants to know. */
  request(rejected?: string): AxiosRequestConfig;
  /**
   * A request that tells whether the source is up and costs no quota (`docs/platform/`), and
   * whether an answer's status says so.
   */
  probe(): { request: AxiosRequestConfig; alive: (status: number) => boolean };
  interpret(answer: RawTokenResponse, requestedAt: number): FetchedToken;
  /**
   * A request failed with `error`. A source with replicas moves on to the next, and says where
   * requests go now (then the next attempt need not wait); `undefined` where nothing changed.
   */
  failed?(error: FandengAuthError): string | undefined;
}
