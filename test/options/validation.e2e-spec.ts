import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import {
  FandengAuthModule,
  FandengOptionsError,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { errorSurfaces, leaksIn } from '../support/hardening.js';
import { CLIENT_ID, CLIENT_SECRET, rejectionOf } from '../support/token-harness.js';

/**
 * The matrix of bad options: each bad set is refused at boot, through forRoot and forRootAsync
 * alike, by one FandengOptionsError whose problems name exactly the bad fields and never carry a
 * value (the secret, a hub key). No server is needed: nothing may start.
 */

const SECRET = `options-secret-${randomUUID()}`;
const HUB_KEY = `hub-key-${randomUUID()}`;
const VALID: FandengAuthModuleOptions = {
  clientId: CLIENT_ID,
  clientSecret: SECRET,
  baseUrl: 'http://127.0.0.1:9', // never contacted: the boot fails first
  logger: false,
};
const HUB = { url: 'http://127.0.0.1:9/fandeng-token-hub', apiKey: HUB_KEY };
const NO_CREDENTIALS = { clientId: undefined, clientSecret: undefined };

/** [what is wrong, the patch over VALID, the fields the problems must name (exactly)] */
const rows: [string, Record<string, unknown>, string[]][] = [
  ['missing clientId', { clientId: undefined }, ['clientId']],
  ['empty clientSecret', { clientSecret: '' }, ['clientSecret']],
  ['blank clientSecret (whitespace only)', { clientSecret: '   ' }, ['clientSecret']],
  [
    'clientSecret with a trailing newline (a pasted secret)',
    { clientSecret: 'test-secret-5f0c9e1b7a\n' },
    ['clientSecret'],
  ],
  ['clientSecret not a string', { clientSecret: 123_456_789 }, ['clientSecret']],
  ['clientId with spaces', { clientId: 'my app' }, ['clientId']],
  ['baseUrl not a URL', { baseUrl: 'open platform' }, ['baseUrl']],
  ['baseUrl with an ftp scheme', { baseUrl: 'ftp://127.0.0.1/' }, ['baseUrl']],
  ['tokenPath without a leading slash', { tokenPath: 'oauth/token' }, ['tokenPath']],
  ['refreshJitter 2', { refreshJitter: 2 }, ['refreshJitter']],
  ['negative refreshAheadSeconds', { refreshAheadSeconds: -1 }, ['refreshAheadSeconds']],
  ['retry.maxAttempts 0', { retry: { maxAttempts: 0 } }, ['retry.maxAttempts']],
  ['retry.maxAttempts 11', { retry: { maxAttempts: 11 } }, ['retry.maxAttempts']],
  ['requestTimeoutMs 0', { requestTimeoutMs: 0 }, ['requestTimeoutMs']],
  ['an unknown key (typo)', { refreshAheadSecs: 60 }, ['refreshAheadSecs']],
  ['an unknown key inside retry', { retry: { maxAttempt: 5 } }, ['retry.maxAttempt']],
  [
    'the secret under a misspelt key',
    { clientSecret: undefined, clientSecrett: SECRET },
    ['clientSecret', 'clientSecrett'],
  ],
  ['a store without methods', { store: { get: () => undefined } }, ['store']],
  ['a logger of the wrong type', { logger: 'verbose' }, ['logger']],
  ['hub with credentials', { hub: HUB }, ['clientId', 'clientSecret']],
  ['neither credentials nor hub', NO_CREDENTIALS, ['clientId', 'clientSecret']],
  [
    'hub with a bad url (the key is not echoed)',
    { ...NO_CREDENTIALS, hub: { ...HUB, url: 'token hub' } },
    ['hub.url'],
  ],
  [
    'a hub pace of 0 requests a day',
    { ...NO_CREDENTIALS, hub: { ...HUB, requestsPerDay: 0 } },
    ['hub.requestsPerDay'],
  ],
  ['authorizedOrigins that are not URLs', { authorizedOrigins: ['*'] }, ['authorizedOrigins']],
  [
    'several problems at once',
    { clientId: '', baseUrl: 'nope', refreshJitter: -1, retry: { initialDelayMs: -5 } },
    ['baseUrl', 'clientId', 'refreshJitter', 'retry.initialDelayMs'],
  ],
];

type Boot = (options: FandengAuthModuleOptions) => Promise<unknown>;
const boots: [string, Boot][] = [
  [
    'forRoot',
    (options) =>
      Test.createTestingModule({ imports: [FandengAuthModule.forRoot(options)] }).compile(),
  ],
  [
    'forRootAsync',
    (options) =>
      Test.createTestingModule({
        imports: [FandengAuthModule.forRootAsync({ useFactory: async () => options })],
      }).compile(),
  ],
];

describe.each(boots)('bad options refused at boot (%s)', (_, boot) => {
  it('boots with the valid base set (so every row fails for its own patch)', async () => {
    const module = (await boot(VALID)) as { close(): Promise<void> };
    await module.close();
  });

  it.each(rows)('%s', async (__, patch, fields) => {
    const error = await rejectionOf(boot({ ...VALID, ...patch } as FandengAuthModuleOptions));

    expect(error).toBeInstanceOf(FandengOptionsError);
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS', name: 'FandengOptionsError' });
    const { problems } = error as FandengOptionsError;
    expect([...new Set(problems.map((problem) => problem.split(':')[0]))].sort()).toEqual(fields);
    for (const problem of problems) expect(error.message).toContain(problem);
    expect(leaksIn([...errorSurfaces(error), ...problems], [SECRET, HUB_KEY])).toEqual([]);
  });
});

describe('a baseUrl with a query string or fragment', () => {
  // tokenUrl is `${baseUrl}${tokenPath}`: with `?` or `#` in baseUrl the path lands inside the
  // query (or the fragment), and every token request goes to `/` of the host, failing at run
  // time with a 404 instead of at boot.
  it.each(['http://127.0.0.1:9/?tenant=a', 'http://127.0.0.1:9/#platform'])(
    'refuses %s at boot, naming baseUrl',
    async (baseUrl) => {
      const error = await rejectionOf(
        Test.createTestingModule({
          imports: [
            FandengAuthModule.forRoot({
              clientId: CLIENT_ID,
              clientSecret: CLIENT_SECRET,
              baseUrl,
              logger: false,
            }),
          ],
        }).compile(),
      );

      expect(error).toBeInstanceOf(FandengOptionsError);
      expect((error as FandengOptionsError).problems.map((p) => p.split(':')[0])).toEqual([
        'baseUrl',
      ]);
    },
  );
});
