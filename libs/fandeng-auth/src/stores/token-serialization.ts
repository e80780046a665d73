import type { AccessToken } from '../interfaces/access-token.interface.js';
import { isRecord, parseJson } from '../token/token-response.js';
import { checkToken, MAX_TOKEN_LENGTH } from '../token/token-shape.js';

/** A token as JSON text, for stores outside this process. */
export function serializeToken(token: AccessToken): string {
  return JSON.stringify(token);
}

/** A stored token is the token and a little metadata: far larger text is someone else's. */
const MAX_STORED_LENGTH = MAX_TOKEN_LENGTH + 4096;

function time(value: unknown): number {
  return typeof value === 'string' || typeof value === 'number' ? new Date(value).getTime() : NaN;
}

/**
 * Reads a stored token back. The store is shared, so its text is checked like a platform answer
 * (the same rules for value, type and times); anything else is `undefined`, never trusted.
 */
export function deserializeToken(text: string | null | undefined): AccessToken | undefined {
  if (!text || text.length > MAX_STORED_LENGTH) return undefined;
  const raw = parseJson(text);
  if (!isRecord(raw)) return undefined;
  const checked = checkToken(
    {
      value: raw.value,
      tokenType: raw.tokenType,
      expiresIn: raw.expiresIn,
      obtainedAt: time(raw.obtainedAt),
      expiresAt: time(raw.expiresAt),
      scope: raw.scope,
      jti: raw.jti,
      platformExpiration: time(raw.platformExpiration),
    },
    Date.now(),
  );
  return typeof checked === 'string' ? undefined : checked;
}
