import fc from 'fast-check';
import {
  FandengAuthError,
  FandengOptionsError,
  type AccessToken,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { resolveOptions } from '../../libs/fandeng-auth/src/options/resolve-options.js';
import { HubTokenEndpoint } from '../../libs/fandeng-auth/src/sources/hub-token.endpoint.js';
import { deserializeToken } from '../../libs/fandeng-auth/src/stores/token-serialization.js';
import { interpretTokenResponse } from '../../libs/fandeng-auth/src/sources/token-response.js';
import {
  MAX_CLOCK_SKEW_MS,
  MAX_TOKEN_LENGTH,
  recheckToken,
} from '../../libs/fandeng-auth/src/sources/token-shape.js';

/** The store's path: the Redis store reads the text, the store link checks what it read. */
function fromStore(text: string): AccessToken | undefined {
  const read = deserializeToken(text);
  const checked = read && recheckToken(read, Date.now());
  return typeof checked === 'object' ? checked : undefined;
}

const MAX_LIFETIME_MS = 365 * 24 * 3600 * 1000;
const RUNS = { numRuns: 400 };

/** What every token, from any source, satisfies: the shape the rest of the module relies on. */
function expectSafeToken(token: AccessToken, now: number): void {
  expect(token.value).toMatch(/^[\x21-\x7e]+$/);
  expect(token.value.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
  expect(token.tokenType).toMatch(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}$/);
  expect(Number.isFinite(token.expiresIn)).toBe(true);
  expect(token.expiresIn).toBeGreaterThanOrEqual(1);
  const obtained = token.obtainedAt.getTime();
  const expires = token.expiresAt.getTime();
  expect(Number.isFinite(obtained) && Number.isFinite(expires)).toBe(true);
  expect(obtained).toBeLessThanOrEqual(now + MAX_CLOCK_SKEW_MS);
  expect(expires).toBeGreaterThan(obtained);
  expect(expires - obtained).toBeLessThanOrEqual(MAX_LIFETIME_MS);
  if (token.platformExpiration)
    expect(Number.isNaN(token.platformExpiration.getTime())).toBe(false);
  for (const scope of token.scope) expect(typeof scope).toBe('string');
}

/** Any JSON value, with the numbers that break naive code among them. */
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1e-9, 0.001, 1, 7200, 1e300, -1e300, Number.MAX_SAFE_INTEGER, 8.64e15),
  fc.double(),
  fc.integer(),
);
const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    ' ',
    'bearer',
    'Bearer\r\nX-Injected: yes',
    'tök€n',
    'a'.repeat(20_000),
    '7200',
  ),
);
const hostileValue = fc.oneof(hostileNumber, hostileString, fc.boolean(), fc.constant(null));
/** A record with the fields each source reads, each of them possibly hostile, or absent. */
const tokenFields = fc.record(
  {
    value: hostileValue,
    access_token: hostileValue,
    tokenType: hostileValue,
    token_type: hostileValue,
    expiresIn: hostileValue,
    expires_in: hostileValue,
    expiresInSeconds: hostileValue,
    ageSeconds: hostileValue,
    renewsInSeconds: hostileValue,
    expiration: hostileValue,
    expired: fc.boolean(),
    scope: fc.oneof(hostileValue, fc.array(hostileValue)),
    jti: hostileValue,
    obtainedAt: hostileValue,
    expiresAt: hostileValue,
    error: hostileValue,
  },
  { requiredKeys: [] },
);
/** Mostly plausible tokens with one field made hostile, so the checks past the first run too. */
const nearlyValid = fc
  .record({
    value: fc.oneof(fc.constant('eyJhbGciOiJIUzI1NiJ9.e30.sig'), hostileString),
    tokenType: fc.oneof(fc.constant('bearer'), hostileString),
    expiresIn: fc.oneof(fc.constant(7200), hostileNumber),
    expiresInSeconds: fc.oneof(fc.constant(3600), hostileNumber),
    ageSeconds: fc.oneof(fc.constant(10), hostileNumber),
    renewsInSeconds: fc.oneof(fc.constant(3000), hostileNumber),
    expiration: fc.oneof(fc.constant(Date.now() + 7_200_000), hostileNumber),
  })
  .map((fields) => fields as Record<string, unknown>);
const anyBody = fc.oneof(
  tokenFields.map((fields) => JSON.stringify(fields)),
  nearlyValid.map((fields) => JSON.stringify(fields)),
  fc.string(),
  fc.json(),
);

describe('adversarial: every token parser holds its shape (property-based)', () => {
  it('the platform answer: a safe token or a typed error, for any body and status', () => {
    fc.assert(
      fc.property(anyBody, fc.integer({ min: 100, max: 599 }), (body, status) => {
        const now = Date.now();
        let token: AccessToken;
        try {
          token = interpretTokenResponse({ status, body, contentType: 'application/json' }, now);
        } catch (error) {
          expect(error).toBeInstanceOf(FandengAuthError);
          expect((error as Error).message).not.toMatch(/[\r\n]/);
          return;
        }
        expectSafeToken(token, now);
      }),
      RUNS,
    );
  });

  it('the hub answer: a safe token or a typed error, and a renewal time that is a real time', () => {
    const hub = new HubTokenEndpoint({ urls: ['http://127.0.0.1:9/hub'], apiKey: 'k'.repeat(20) });
    fc.assert(
      fc.property(anyBody, (body) => {
        const now = Date.now();
        try {
          const { token, renewedFrom } = hub.interpret(
            { status: 200, body, contentType: 'application/json' },
            now,
          );
          expectSafeToken(token, now);
          if (renewedFrom !== undefined) {
            expect(renewedFrom).toBeGreaterThanOrEqual(now);
            expect(renewedFrom - now).toBeLessThanOrEqual(MAX_LIFETIME_MS);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(FandengAuthError);
        }
      }),
      RUNS,
    );
  });

  it('the stored token: a safe token or nothing, for any text a writer left in the store', () => {
    const now = Date.now();
    const stored = fc.oneof(
      anyBody,
      fc
        .record({
          value: fc.oneof(fc.constant('stored-token'), hostileString),
          tokenType: fc.oneof(fc.constant('bearer'), hostileString),
          expiresIn: fc.oneof(fc.constant(7200), hostileNumber),
          obtainedAt: fc.oneof(
            fc.constant(new Date(now - 1000).toISOString()),
            fc.constant(new Date(now + 86_400_000).toISOString()), // obtained in the future
            hostileValue,
          ),
          expiresAt: fc.oneof(fc.constant(new Date(now + 3_600_000).toISOString()), hostileValue),
        })
        .map((record) => JSON.stringify(record)),
    );
    fc.assert(
      fc.property(stored, (text) => {
        const token = fromStore(text);
        if (token !== undefined) expectSafeToken(token, Date.now());
      }),
      RUNS,
    );
    // The cases from the review, by name.
    const future = JSON.stringify({
      value: 'v',
      tokenType: 'bearer',
      expiresIn: 7200,
      obtainedAt: new Date(now + 86_400_000).toISOString(),
      expiresAt: new Date(now + 90_000_000).toISOString(),
    });
    expect(fromStore(future)).toBeUndefined();
    for (const value of ['a\r\nb', '', 'tök€n', 'x'.repeat(30 * 1024 * 1024)]) {
      const text = JSON.stringify({
        value,
        tokenType: 'bearer',
        expiresIn: 7200,
        obtainedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 3_600_000).toISOString(),
      });
      expect(fromStore(text)).toBeUndefined();
    }
  });
});

describe('adversarial: the option validator (property-based)', () => {
  const fields = [
    'requestTimeoutMs',
    'refreshAheadSeconds',
    'refreshJitter',
    'minRefreshIntervalSeconds',
    'dailyTokenBudget',
    'budgetWarnShare',
    'budgetUtcOffsetMinutes',
  ] as const;
  const secret = 'opt-secret-4c8e1f';

  it('accepts or refuses with every problem named by its field, never showing a value', () => {
    const options = fc.record(
      {
        ...Object.fromEntries(fields.map((field) => [field, hostileValue])),
        retry: fc.record(
          {
            maxAttempts: hostileValue,
            initialDelayMs: hostileValue,
            maxDelayMs: hostileValue,
            maxCooldownMs: hostileValue,
          },
          { requiredKeys: [] },
        ),
        baseUrl: hostileString,
        fetchOnStart: hostileValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(options, (extra) => {
        const input = {
          clientId: 'id',
          clientSecret: secret,
          ...extra,
        } as FandengAuthModuleOptions;
        try {
          const resolved = resolveOptions(input);
          expect(resolved.retry.initialDelayMs).toBeGreaterThanOrEqual(1);
          expect(resolved.retry.maxCooldownMs).toBeGreaterThanOrEqual(1);
          expect(Number.isFinite(resolved.requestTimeoutMs)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(FandengOptionsError);
          const { problems, message } = error as FandengOptionsError;
          expect(problems.length).toBeGreaterThan(0);
          for (const problem of problems) expect(problem).toMatch(/^[\w.]+: /);
          expect(message).not.toContain(secret);
        }
      }),
      RUNS,
    );
  });

  it.each([
    ['requestTimeoutMs', '5000', 'requestTimeoutMs: requestTimeoutMs must be an integer number'],
    ['dailyTokenBudget', '2000', 'dailyTokenBudget: dailyTokenBudget must be an integer number'],
    ['refreshJitter', '0.2', 'refreshJitter: refreshJitter must be a finite number'],
    ['fetchOnStart', 'true', 'fetchOnStart: fetchOnStart must be a boolean value'],
    ['baseUrl', 42, 'baseUrl: baseUrl must be a string'],
  ])('reports a %s of the wrong type as a type error', (field, value, problem) => {
    const options = { clientId: 'id', clientSecret: secret, [field]: value };
    expect(() => resolveOptions(options as FandengAuthModuleOptions)).toThrow(
      expect.objectContaining({ problems: [problem] }),
    );
  });

  it('reports a missing hub key as missing, and zero pauses as out of range', () => {
    expect(() =>
      resolveOptions({ hub: { url: 'http://127.0.0.1:9/hub' } } as FandengAuthModuleOptions),
    ).toThrow(expect.objectContaining({ problems: ['hub.apiKey: apiKey is required'] }));
    for (const retry of [{ initialDelayMs: 0 }, { maxCooldownMs: 0 }]) {
      const field = Object.keys(retry)[0];
      expect(() => resolveOptions({ clientId: 'id', clientSecret: secret, retry })).toThrow(
        expect.objectContaining({
          problems: [`retry.${field}: ${field} must not be less than 1`],
        }),
      );
    }
  });
});
