import type { AccessToken } from '../interfaces/access-token.interface.js';

/**
 * Where tokens are kept between requests. The default keeps them in memory; a shared store lets
 * several processes use one token. Keys are namespaced by client id by the caller.
 */
export interface TokenStore {
  /** The stored token, or `undefined`. An expired token may be returned; the caller checks. */
  get(key: string): Promise<AccessToken | undefined>;
  /** Store a token; it may be dropped once it expires. */
  set(key: string, token: AccessToken): Promise<void>;
  /** Remove the token, but only while it is still `value` (compare-and-delete). */
  delete(key: string, value: string): Promise<void>;
}

