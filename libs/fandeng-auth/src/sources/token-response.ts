import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengPlatformError } from '../errors/fandeng-platform.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import { isTransientStatus } from './token-failure.js';
import { checkToken, MAX_TOKEN_LENGTH } from './token-shape.js';

/** A raw answer of the token endpoint. */
export interface RawTokenResponse {
  status: number;
  /** `Content-Type` header, if any. */
  contentType?: string;
  /** `Retry-After` header, if any. */
  retryAfter?: string;
  body: string;
}

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

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeBody(response: RawTokenResponse): string {
  const type = response.contentType?.split(';')[0] || 'no content type';
  return response.body.length === 0
    ? `an empty body (${type})`
    : `${response.body.length} bytes of ${type}`;
}

/** `expiresIn` as a number: the platform's number, or a string of digits (some OAuth2 servers). */
function expiresInNumber(raw: unknown): unknown {
  return typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
}

/** Text from the answer as it may be shown: no control characters, at most `max` characters. */
function printable(text: string, max: number): string {
  // oxlint-disable-next-line no-control-regex -- control characters are exactly what goes
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
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
  const error = printable(String(json.error), 128);
  const errorDescription =
    typeof json.error_description === 'string' ? printable(json.error_description, 512) : undefined;
  const details = { status: response.status, error, errorDescription };
  const what = `${error}${errorDescription ? ` (${errorDescription})` : ''}`;
  if (error === 'invalid_client') {
    return new FandengCredentialsError(
      `The platform rejected the client credentials: ${what}. Check clientId and clientSecret.`,
      details,
    );
  }
  if (isTransientStatus(response.status)) {
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
  if (json.expired === true) {
    throw new FandengMalformedResponseError('The token endpoint answered with an expired token', {
      status: 200,
    });
  }
  const value = json.value ?? json.access_token;
  const expiresIn = expiresInNumber(json.expiresIn ?? json.expires_in);
  const info = isRecord(json.additionalInformation) ? json.additionalInformation : {};
  const jti = [info.jti, json.jti].find((id) => typeof id === 'string');
  const checked = checkToken(
    {
      value,
      tokenType: json.tokenType ?? json.token_type ?? 'bearer',
      expiresIn,
      obtainedAt: receivedAt,
      expiresAt: receivedAt + (typeof expiresIn === 'number' ? expiresIn * 1000 : NaN),
      scope: json.scope,
      jti:
        jti ??
        (typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH ? jwtId(value) : undefined),
      platformExpiration: json.expiration,
    },
    receivedAt,
  );
  if (typeof checked === 'string') {
    throw new FandengMalformedResponseError(
      `The token endpoint answered 200 without a usable token: ${checked}`,
      { status: 200 },
    );
  }
  return checked;
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
  if (isTransientStatus(status)) {
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
