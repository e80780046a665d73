import { readDoctorEnv } from './doctor-env.js';

const VALID = {
  FANDENG_CLIENT_ID: 'app-1',
  FANDENG_CLIENT_SECRET: 'Sup3r-Secret-Value',
  FANDENG_BASE_URL: 'https://platform.example/',
};

describe('readDoctorEnv', () => {
  it('builds single-attempt options from the sample app variables', () => {
    const settings = readDoctorEnv({ ...VALID, FANDENG_TOKEN_PATH: '/v2/token' }, 1234);
    expect(settings).toMatchObject({
      ok: true,
      notes: [],
      options: {
        clientId: 'app-1',
        tokenUrl: 'https://platform.example/v2/token',
        requestTimeoutMs: 1234,
        retry: { maxAttempts: 1 },
      },
    });
  });

  it('names every problem at once, never a value', () => {
    const settings = readDoctorEnv(
      {
        FANDENG_CLIENT_ID: 'has space',
        FANDENG_CLIENT_SECRET: ' Sup3r-Secret-Value\r',
        FANDENG_BASE_URL: 'ftp://platform.example',
        FANDENG_TOKEN_PATH: 'token',
        FANDENG_MODE: 'sideways',
      },
      1000,
    );
    expect(settings.ok).toBe(false);
    const problems = settings.ok ? [] : settings.problems;
    expect(problems).toEqual([
      'FANDENG_MODE: must be direct, hub or consumer',
      'FANDENG_CLIENT_ID: must not contain spaces',
      'FANDENG_CLIENT_SECRET: must not be blank or start or end with whitespace',
      'FANDENG_BASE_URL: must be a URL address',
      'FANDENG_TOKEN_PATH: must start with /',
    ]);
    expect(problems.join('\n')).not.toMatch(/Sup3r|has space|ftp:|sideways/);
  });

  it('treats empty variables as missing', () => {
    const settings = readDoctorEnv({ ...VALID, FANDENG_CLIENT_ID: ' ' }, 1000);
    expect(settings).toMatchObject({ ok: false, problems: ['FANDENG_CLIENT_ID: not set'] });
  });

  it("reads a hub consumer's hub settings, naming the variables of bad ones", () => {
    const missing = readDoctorEnv({ FANDENG_MODE: 'consumer', ...VALID }, 1000);
    expect(missing.ok ? [] : missing.problems).toEqual([
      'FANDENG_HUB_URL: not set',
      'FANDENG_HUB_API_KEY: not set',
    ]);
    const invalid = readDoctorEnv(
      { FANDENG_MODE: 'consumer', FANDENG_HUB_URL: 'http://hub/x?y', FANDENG_HUB_API_KEY: 'a b' },
      1000,
    );
    expect(invalid.ok ? [] : invalid.problems).toEqual([
      'FANDENG_HUB_URL: must not have a query string or fragment',
      'FANDENG_HUB_API_KEY: must not contain whitespace',
    ]);
    expect(JSON.stringify(invalid)).not.toContain('a b');

    const settings = readDoctorEnv(
      {
        FANDENG_MODE: 'consumer',
        FANDENG_HUB_URL: 'http://token-hub.internal:3000/fandeng-token-hub',
        FANDENG_HUB_API_KEY: 'consumer-key-0123456789',
      },
      1000,
    );
    expect(settings).toMatchObject({
      ok: true,
      options: { hub: { url: 'http://token-hub.internal:3000/fandeng-token-hub' } },
    });
    expect(settings.notes.join('\n')).toContain('the hub key and the token travel unencrypted');
  });

  it('notes a proxy, plain HTTP to a remote host, and disabled certificate checks', () => {
    const settings = readDoctorEnv(
      {
        ...VALID,
        FANDENG_BASE_URL: 'http://platform.example',
        HTTP_PROXY: 'http://user:pass@proxy:3128',
        NODE_TLS_REJECT_UNAUTHORIZED: '0',
      },
      1000,
    );
    const notes = settings.notes.join('\n');
    expect(notes).toContain('HTTP_PROXY is set');
    expect(notes).toContain('unencrypted');
    expect(notes).toContain('certificates are not checked');
    expect(notes).not.toContain('user:pass');
  });
});
