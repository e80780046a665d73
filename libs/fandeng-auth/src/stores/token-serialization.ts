import type { AccessToken } from '../interfaces/access-token.interface.js';

/** A token as JSON text, for stores outside this process. */
export function serializeToken(token: AccessToken): string {
  return JSON.stringify(token);
}

function date(value: unknown): Date | undefined {
  const parsed =
    typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : undefined;
}

/** Reads a stored token back; anything that is not a whole token is `undefined`, never trusted. */
export function deserializeToken(text: string | null | undefined): AccessToken | undefined {
  if (!text) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const expiresAt = date(raw.expiresAt);
  const obtainedAt = date(raw.obtainedAt);
  if (
    typeof raw.value !== 'string' ||
    typeof raw.tokenType !== 'string' ||
    typeof raw.expiresIn !== 'number' ||
    expiresAt === undefined ||
    obtainedAt === undefined
  ) {
    return undefined;
  }
  return {
    value: raw.value,
    tokenType: raw.tokenType,
    expiresIn: raw.expiresIn,
    expiresAt,
    obtainedAt,
    scope: Array.isArray(raw.scope)
      ? raw.scope.filter((s): s is string => typeof s === 'string')
      : [],
    jti: typeof raw.jti === 'string' ? raw.jti : undefined,
    platformExpiration: date(raw.platformExpiration),
  };
}
