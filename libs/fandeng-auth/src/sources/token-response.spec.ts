import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengPlatformError } from '../errors/fandeng-platform.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import { interpretTokenResponse, parseRetryAfter } from './token-response.js';

const NOW = 1_700_000_000_000;
const JWT_WITH_JTI = `h.${Buffer.from(JSON.stringify({ jti: 'from-jwt' })).toString('base64url')}.s`;

function answer(status: number, body: unknown, extra: Record<string, string> = {}) {
  return {
    status,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    contentType: 'application/json',
    ...extra,
  };
}

describe('interpretTokenResponse', () => {
  it('reads the documented bean shape, with expiry from expiresIn at receipt', () => {
    const token = interpretTokenResponse(
      answer(200, {
        additionalInformation: { jti: 'a2d1809e' },
        expiration: 1566788088019,
        expired: false,
        expiresIn: 7199,
        scope: ['ALL'],
        tokenType: 'bearer',
        value: 'abc.def.ghi',
      }),
      NOW,
    );
    expect(token).toEqual({
      value: 'abc.def.ghi',
      tokenType: 'bearer',
      expiresIn: 7199,
      obtainedAt: new Date(NOW),
      expiresAt: new Date(NOW + 7199_000),
      scope: ['ALL'],
      jti: 'a2d1809e',
      platformExpiration: new Date(1566788088019),
    });
  });

  it('reads an RFC 6749 answer, and takes the jti from the JWT when the answer lacks it', () => {
    const token = interpretTokenResponse(
      answer(200, {
        access_token: JWT_WITH_JTI,
        token_type: 'Bearer',
        expires_in: '3600',
        scope: 'a b',
      }),
      NOW,
    );
    expect(token.value).toBe(JWT_WITH_JTI);
    expect(token.tokenType).toBe('Bearer');
    expect(token.expiresAt).toEqual(new Date(NOW + 3600_000));
    expect(token.scope).toEqual(['a', 'b']);
    expect(token.jti).toBe('from-jwt');
  });

  it('keeps tokens of several KiB whole', () => {
    const value = 'x'.repeat(8192);
    expect(interpretTokenResponse(answer(200, { value, expiresIn: 60 }), NOW).value).toBe(value);
  });

  it.each([
    ['an HTML page', '<html><body>gateway</body></html>'],
    ['an empty body', ''],
    ['truncated JSON', '{"value":"abc","expiresIn":'],
    ['a JSON array', '[]'],
    ['no value', { expiresIn: 7199 }],
    ['an empty value', { value: '', expiresIn: 7199 }],
    ['a value with a line break', { value: 'abc\r\nX-Evil: 1', expiresIn: 7199 }],
    ['a numeric value', { value: 42, expiresIn: 7199 }],
    ['no expiresIn', { value: 'abc' }],
    ['expiresIn of 0', { value: 'abc', expiresIn: 0 }],
    ['a negative expiresIn', { value: 'abc', expiresIn: -5 }],
    ['a non-numeric expiresIn', { value: 'abc', expiresIn: 'soon' }],
    ['an absurd expiresIn', { value: 'abc', expiresIn: 1e12 }],
    ['an expired token', { value: 'abc', expiresIn: 10, expired: true }],
  ])('refuses a 200 with %s as malformed', (_, body) => {
    expect(() => interpretTokenResponse(answer(200, body), NOW)).toThrow(
      FandengMalformedResponseError,
    );
  });

  it('maps invalid_client to a credentials error carrying the platform fields', () => {
    const error = catchError(() =>
      interpretTokenResponse(
        answer(401, { error: 'invalid_client', error_description: 'Bad client credentials' }),
        NOW,
      ),
    );
    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect(error).toMatchObject({
      code: 'INVALID_CLIENT',
      status: 401,
      error: 'invalid_client',
      errorDescription: 'Bad client credentials',
      retryable: false,
      name: 'FandengCredentialsError',
    });
  });

  it.each([401, 403])('hints at the IP whitelist on a %i without an OAuth2 body', (status) => {
    const error = catchError(() =>
      interpretTokenResponse({ status, body: 'Forbidden', contentType: 'text/plain' }, NOW),
    );
    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect((error as Error).message).toMatch(/whitelist/);
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', status });
  });

  it('maps other OAuth2 errors to a platform error that is not retried', () => {
    const error = catchError(() =>
      interpretTokenResponse(answer(400, { error: 'unsupported_grant_type' }), NOW),
    );
    expect(error).toBeInstanceOf(FandengPlatformError);
    expect(error).toMatchObject({ error: 'unsupported_grant_type', retryable: false });
  });

  it.each([500, 502, 503, 429, 408])('maps %i to a retryable transport error', (status) => {
    const error = catchError(() =>
      interpretTokenResponse({ status, body: '<h1>busy</h1>', retryAfter: '7' }, NOW),
    );
    expect(error).toBeInstanceOf(FandengTransportError);
    expect(error).toMatchObject({ status, retryable: true, retryAfterMs: 7000 });
  });

  it('keeps Retry-After on a 503 that carries an OAuth2 body', () => {
    const error = catchError(() =>
      interpretTokenResponse(
        answer(503, { error: 'temporarily_unavailable' }, { retryAfter: '2' }),
        NOW,
      ),
    );
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 2000,
      error: 'temporarily_unavailable',
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(new Date(NOW + 5000).toUTCString(), NOW)).toBe(5000);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
