import {
  DEFAULT_BASE_URL,
  DEFAULT_REFRESH_AHEAD_SECONDS,
  DEFAULT_RETRY_MAX_ATTEMPTS,
} from '../fandeng-auth.constants.js';
import { FandengOptionsError } from '../errors/fandeng-options.error.js';
import type { FandengAuthModuleOptions } from '../interfaces/fandeng-auth-options.interface.js';
import { resolveOptions } from './resolve-options.js';

const SECRET = 'super-secret-value-123';
const valid: FandengAuthModuleOptions = { clientId: 'app-1', clientSecret: SECRET };

function problemsOf(options: unknown): readonly string[] {
  try {
    resolveOptions(options as FandengAuthModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(FandengOptionsError);
    expect((error as Error).message).not.toContain(SECRET);
    return (error as FandengOptionsError).problems;
  }
  throw new Error('expected the options to be refused');
}

describe('resolveOptions', () => {
  it('fills every default in one place', () => {
    const resolved = resolveOptions(valid);
    expect(resolved.baseUrl).toBe(DEFAULT_BASE_URL);
    expect(resolved.tokenUrl).toBe(`${DEFAULT_BASE_URL}/oauth/token`);
    expect(resolved.refreshAheadSeconds).toBe(DEFAULT_REFRESH_AHEAD_SECONDS);
    expect(resolved.retry.maxAttempts).toBe(DEFAULT_RETRY_MAX_ATTEMPTS);
  });

  it('joins baseUrl and tokenPath without a double slash, and accepts fractions', () => {
    const resolved = resolveOptions({
      ...valid,
      baseUrl: 'http://127.0.0.1:8080/',
      refreshAheadSeconds: 0.25,
      retry: { maxAttempts: 5 },
    });
    expect(resolved.tokenUrl).toBe('http://127.0.0.1:8080/oauth/token');
    expect(resolved.refreshAheadSeconds).toBe(0.25);
    expect(resolved.retry).toMatchObject({ maxAttempts: 5, initialDelayMs: 500 });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no clientId', { clientId: undefined }, /^clientId: /],
    ['an empty clientSecret', { clientSecret: '' }, /^clientSecret: /],
    ['a numeric clientSecret', { clientSecret: 12345 }, /^clientSecret: /],
    ['a baseUrl without protocol', { baseUrl: 'open-platform.example' }, /^baseUrl: /],
    ['an ftp baseUrl', { baseUrl: 'ftp://example.com' }, /^baseUrl: /],
    ['a negative refreshAheadSeconds', { refreshAheadSeconds: -1 }, /^refreshAheadSeconds: /],
    ['a string refreshAheadSeconds', { refreshAheadSeconds: '60' }, /^refreshAheadSeconds: /],
    ['a jitter above 1', { refreshJitter: 2 }, /^refreshJitter: /],
    ['a zero timeout', { requestTimeoutMs: 0 }, /^requestTimeoutMs: /],
    ['zero attempts', { retry: { maxAttempts: 0 } }, /^retry\.maxAttempts: /],
    ['a NaN delay', { retry: { initialDelayMs: Number.NaN } }, /^retry\.initialDelayMs: /],
    ['a store without methods', { store: {} }, /^store: /],
    ['a bad logger', { logger: 'yes' }, /^logger: /],
    ['a misspelt option', { refreshAheadSecond: 10 }, /^refreshAheadSecond: /],
    ['a tokenPath without slash', { tokenPath: 'oauth/token' }, /^tokenPath: /],
  ])('refuses %s, naming the field', (_, patch, expected) => {
    const problems = problemsOf({ ...valid, ...patch });
    expect(problems.some((p) => expected.test(p))).toBe(true);
  });

  const HUB_ONLY = { clientId: undefined, clientSecret: undefined };
  const hub = (url: unknown) =>
    ({ ...HUB_ONLY, hub: { url, apiKey: 'k'.repeat(24) } }) as unknown as FandengAuthModuleOptions;

  it('takes a list of hub replicas, in order', () => {
    const resolved = resolveOptions(hub(['http://hub-a:3000/h', 'https://hub-b/h']));
    expect(resolved.hub?.urls).toEqual(['http://hub-a:3000/h', 'https://hub-b/h']);
    expect(resolved.hub?.url).toBe('http://hub-a:3000/h');
    expect(resolveOptions(hub('http://hub-a:3000/h')).hub?.urls).toEqual(['http://hub-a:3000/h']);
  });

  it('paces a consumer at 17280 requests a day unless hub.requestsPerDay says otherwise', () => {
    expect(resolveOptions(hub('http://hub-a:3000/h')).hub?.requestsPerDay).toBe(17_280);
    const paced = {
      ...HUB_ONLY,
      hub: { url: 'http://hub-a/h', apiKey: 'k'.repeat(24), requestsPerDay: 5 },
    };
    expect(resolveOptions(paced).hub?.requestsPerDay).toBe(5);
  });

  it.each<[string, unknown]>([
    ['an empty list', []],
    ['a list with a bad URL', ['http://hub-a:3000/h', 'hub b']],
    ['a list with a query string', ['http://hub-a:3000/h?x=1']],
    ['a list of 17', Array.from({ length: 17 }, (_, i) => `http://hub-${i}/h`)],
    ['a number in the list', ['http://hub-a/h', 7]],
  ])('refuses %s of hub URLs, naming hub.url', (_, url) => {
    expect(problemsOf(hub(url)).some((p) => p.startsWith('hub.url: '))).toBe(true);
  });

  it.each<[string, unknown]>([
    ['one URL', 'http://user:pa55word@hub-a:3000/h'],
    ['a replica', ['http://hub-a:3000/h', 'https://user@hub-b/h']],
  ])(
    'refuses user:password@ in %s of hub.url (axios would send Basic, not the key), never echoing it',
    (_, url) => {
      const problems = problemsOf(hub(url));
      expect(problems).toContainEqual(
        expect.stringMatching(/^hub\.url: .*must not carry a user name or password/),
      );
      expect(problems.join('\n')).not.toContain('pa55word');
    },
  );

  it('reports every problem at once', () => {
    const problems = problemsOf({
      clientSecret: SECRET,
      refreshJitter: 5,
      retry: { maxAttempts: 99 },
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['clientId', 'refreshJitter', 'retry.maxAttempts']),
    );
  });

  it('refuses a missing options object', () => {
    expect(problemsOf(undefined)).toEqual(['options: must be an object']);
  });
});
