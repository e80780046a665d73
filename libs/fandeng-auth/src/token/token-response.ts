import { MAX_EXPIRES_IN_SECONDS } from '../fandeng-auth.constants.js';
import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengPlatformError } from '../errors/fandeng-platform.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';

/** A raw answer of the token endpoint. */
export interface RawTokenResponse {
  status: number;
  /** `Content-Type` header, if any. */
  contentType?: string;
  /** `Retry-After` header, if any. */
  retryAfter?: string;
  body: string;
}

// A token goes into an HTTP header: visible ASCII only, so a hostile answer cannot inject headers.
const TOKEN_VALUE = /^[\x21-\x7e]+$/;
const RETRYABLE_STATUS = new Set([408, 425, 429]);
const WHITELIST_HINT =
  'the platform refused the caller before checking credentials: is this server IP on the platform whitelist?';

/** Milliseconds the platform asks us to wait, from `Retry-After` (seconds or an HTTP date). */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeBody(response: RawTokenResponse): string {
  const type = response.contentType?.split(';')[0] || 'no content type';
  return response.body.length === 0
    ? `an empty body (${type})`
    : `${response.body.length} bytes of ${type}`;
}

/** `expiresIn` as a number of seconds: a positive number, or a string of digits (some OAuth2 servers). */
function parseExpiresIn(raw: unknown): number | undefined {
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return value > 0 && value <= MAX_EXPIRES_IN_SECONDS ? value : undefined;
}

function parseScope(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return typeof raw === 'string' ? raw.split(' ').filter(Boolean) : [];
}

/** The `jti` claim of a JWT, for tokens whose answer does not carry it. */
function jwtId(value: string): string | undefined {
  const payload = value.split('.')[1];
  if (!payload) return undefined;
  const claims = parseJson(Buffer.from(payload, 'base64url').toString('utf8'));
  return isRecord(claims) && typeof claims.jti === 'string' ? claims.jti : undefined;
}

function errorFromBody(
  response: RawTokenResponse,
  json: Record<string, unknown>,
  receivedAt: number,
): FandengAuthError {
  const error = String(json.error);
  const errorDescription =
    typeof json.error_description === 'string' ? json.error_description : undefined;
  const details = { status: response.status, error, errorDescription };
  const what = `${error}${errorDescription ? ` (${errorDescription})` : ''}`;
  if (error === 'invalid_client') {
    return new FandengCredentialsError(
      `The platform rejected the client credentials: ${what}. Check clientId and clientSecret.`,
      details,
    );
  }
  if (response.status === 429 || response.status >= 500) {
    return new FandengTransportError(`The token endpoint answered ${response.status}: ${what}`, {
      ...details,
      retryAfterMs: parseRetryAfter(response.retryAfter, receivedAt),
    });
  }
  return new FandengPlatformError(
    `The token endpoint answered ${response.status}: ${what}`,
    details,
  );
}

function tokenFromBody(json: Record<string, unknown>, receivedAt: number): AccessToken {
  const value = json.value ?? json.access_token;
  if (typeof value !== 'string' || !TOKEN_VALUE.test(value)) {
    throw new FandengMalformedResponseError(
      'The token endpoint answered 200 without a usable token (`value` missing, empty or not a plain string)',
      { status: 200 },
    );
  }
  const expiresIn = parseExpiresIn(json.expiresIn ?? json.expires_in);
  if (expiresIn === undefined) {
    throw new FandengMalformedResponseError(
      `The token endpoint answered 200 with an unusable lifetime (expiresIn must be a number of seconds in (0, ${MAX_EXPIRES_IN_SECONDS}])`,
      { status: 200 },
    );
  }
  if (json.expired === true) {
    throw new FandengMalformedResponseError('The token endpoint answered with an expired token', {
      status: 200,
    });
  }
  const info = isRecord(json.additionalInformation) ? json.additionalInformation : {};
  const jti = [info.jti, json.jti].find((id) => typeof id === 'string') as string | undefined;
  const tokenType = json.tokenType ?? json.token_type;
  return {
    value,
    tokenType: typeof tokenType === 'string' && tokenType ? tokenType : 'bearer',
    expiresIn,
    obtainedAt: new Date(receivedAt),
    expiresAt: new Date(receivedAt + expiresIn * 1000),
    scope: parseScope(json.scope),
    jti: jti ?? jwtId(value),
    platformExpiration: typeof json.expiration === 'number' ? new Date(json.expiration) : undefined,
  };
}

/**
 * Turns an answer of the token endpoint into a token, or into the typed error that says what
 * went wrong. Accepts the platform's bean shape and the RFC 6749 shape.
 */
export function interpretTokenResponse(
  response: RawTokenResponse,
  receivedAt: number,
): AccessToken {
  const json = parseJson(response.body);
  if (isRecord(json) && typeof json.error === 'string')
    throw errorFromBody(response, json, receivedAt);

  const { status } = response;
  if (status >= 200 && status < 300) {
    if (!isRecord(json)) {
      throw new FandengMalformedResponseError(
        `The token endpoint answered ${status} with ${describeBody(response)} instead of a JSON token`,
        { status },
      );
    }
    return tokenFromBody(json, receivedAt);
  }
  if (status === 401 || status === 403) {
    throw new FandengCredentialsError(`The token endpoint answered ${status}: ${WHITELIST_HINT}`, {
      status,
    });
  }
  if (RETRYABLE_STATUS.has(status) || status >= 500) {
    throw new FandengTransportError(
      `The token endpoint answered ${status} with ${describeBody(response)}`,
      {
        status,
        retryAfterMs: parseRetryAfter(response.retryAfter, receivedAt),
      },
    );
  }
  throw new FandengPlatformError(
    `The token endpoint answered ${status} with ${describeBody(response)}`,
    {
      status,
    },
  );
}
