import type { AccessToken } from '../interfaces/access-token.interface.js';
import { isRecord, parseJson } from '../sources/token-response.js';
import { MAX_TOKEN_LENGTH } from '../sources/token-shape.js';
import { platformIssuedAt } from './token-order.js';

/**
 * A token as JSON text, for stores outside this process. `platformIssuedAt` (epoch ms, the
 * platform's clock) is written beside the token for `RedisTokenStore`'s script, which orders
 * tokens by it (`token-order.ts`); readers ignore it.
 */
export function serializeToken(token: AccessToken): string {
  return JSON.stringify({ ...token, platformIssuedAt: platformIssuedAt(token) });
}

/** A stored token is the token and a little metadata: far larger text is someone else's. */
const MAX_STORED_LENGTH = MAX_TOKEN_LENGTH + 4096;

function date(value: unknown): Date {
  return new Date(typeof value === 'string' || typeof value === 'number' ? value : NaN);
}

/**
 * Reads a stored token back into the form of a token, without judging it: the module checks
 * every token from every store by the platform's rules (`StoreLink`), and says so in its log.
 * Text that is not a JSON object (or is far too long to be a token) is `undefined`.
 */
export function deserializeToken(text: string | null | undefined): AccessToken | undefined {
  if (!text || text.length > MAX_STORED_LENGTH) return undefined;
  const raw = parseJson(text);
  if (!isRecord(raw)) return undefined;
  return {
    value: raw.value as string,
    tokenType: raw.tokenType as string,
    expiresIn: raw.expiresIn as number,
    obtainedAt: date(raw.obtainedAt),
    expiresAt: date(raw.expiresAt),
    scope: raw.scope as string[],
    jti: raw.jti as string | undefined,
    platformExpiration:
      raw.platformExpiration === undefined ? undefined : date(raw.platformExpiration),
  };
}
