import { inspect } from 'node:util';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengMalformedResponseError,
  FandengPlatformError,
  type ResolvedFandengAuthOptions,
} from 'nestjs-fandeng-auth';
import { FANDENG_AUTH_OPTIONS } from '../../libs/fandeng-auth/src/fandeng-auth.constants.js';
import { runDoctor } from '../../libs/fandeng-auth/src/cli/doctor.js';
import {
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

// URL-special characters: the query string carries it as `p%2Bs%2Fw%3Drd%26x+y` (or `%20`).
const SECRET = 'p+s/w=rd&x y:1$';
const CLIENT = 'special-client';
const ENCODED = [
  encodeURIComponent(SECRET),
  new URLSearchParams({ s: SECRET }).toString().slice(2),
  encodeURIComponent(SECRET).replace(/%20/g, '+').replace(/%3A/gi, ':').replace(/%24/g, '$'),
];

/** Every view of a value a user, a logger or a crash reporter might take. */
function views(value: unknown): string[] {
  return [
    inspect(value, { depth: 10 }),
    inspect(value, { depth: 10, showHidden: true }),
    JSON.stringify(value) ?? '',
    String(value),
  ];
}

describe('adversarial: nothing secret in any view', () => {
  let emulator: FandengPlatformEmulator;
  let harness: TokenHarness | undefined;

  beforeEach(async () => {
    emulator = await startEmulator({ clients: { [CLIENT]: SECRET } });
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await emulator.stop();
  });

  it('inspect and JSON of the TokenService and the options show neither the secret nor the token', async () => {
    harness = await bootTokens(emulator, { clientId: CLIENT, clientSecret: SECRET });
    const token = await harness.tokens.getAccessToken();
    const options = harness.module.get<ResolvedFandengAuthOptions>(FANDENG_AUTH_OPTIONS);

    const seen = [
      ...views(harness.tokens),
      ...views(options),
      ...views({ nested: harness.tokens }),
    ];
    for (const text of seen) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(token);
    }
    expect(inspect(harness.tokens)).toContain('fingerprint'); // the status is what shows
    expect(options.clientSecret).toBe(SECRET); // still there for the module itself
  });

  it.each([
    ['raw, in the OAuth2 error field', (s: string) => ({ error: s, error_description: 'x' })],
    [
      'URL-encoded, in the description',
      (s: string) => ({
        error: 'invalid_request',
        error_description: `got ${encodeURIComponent(s)}`,
      }),
    ],
    [
      'form-encoded, in the error field',
      (s: string) => ({ error: new URLSearchParams({ s }).toString().slice(2) }),
    ],
  ])('redacts a secret the platform echoes %s', async (_, body) => {
    emulator.injectFault(
      { type: 'body', status: 400, body: JSON.stringify(body(SECRET)) },
      Infinity,
    );
    harness = await bootTokens(emulator, { clientId: CLIENT, clientSecret: SECRET });

    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengPlatformError);
    const surfaces = [...views(error), ...harness.logger.lines, JSON.stringify(harness.tokens)];
    for (const text of surfaces) {
      for (const form of [SECRET, ...ENCODED]) expect(text).not.toContain(form);
    }
    expect(surfaces.join('\n')).toContain('[redacted]');
  });

  it('refuses a tokenType that would inject a header, and caches nothing', async () => {
    emulator.injectFault(
      {
        type: 'body',
        body: JSON.stringify({
          value: 'v',
          tokenType: 'Bearer\r\nX-Injected: yes',
          expiresIn: 7200,
        }),
      },
      Infinity,
    );
    harness = await bootTokens(emulator, { clientId: CLIENT, clientSecret: SECRET });

    const error = await rejectionOf(harness.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengMalformedResponseError);
    expect(error.message).toContain('tokenType');
    expect(harness.tokens.getStatus().state).toBe('none');
  });

  it('doctor explains a good token whose expiration is out of range (exit 0, not 1)', async () => {
    emulator.injectFault(
      {
        type: 'body',
        body: JSON.stringify({
          value: 'v.w.x',
          tokenType: 'bearer',
          expiresIn: 7200,
          expiration: 1e300,
        }),
      },
      Infinity,
    );
    let out = '';
    const code = await runDoctor(
      { FANDENG_CLIENT_ID: CLIENT, FANDENG_CLIENT_SECRET: SECRET, FANDENG_BASE_URL: emulator.url },
      { write: (text: string) => (out += text) },
    );

    expect(code).toBe(0);
    expect(out).toContain('offset unknown');
    expect(out).not.toContain(SECRET);
  });
});
