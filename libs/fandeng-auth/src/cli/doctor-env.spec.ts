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

  it('sends a hub consumer to the hub', () => {
    const settings = readDoctorEnv({ FANDENG_MODE: 'consumer' }, 1000);
    expect(settings.ok ? [] : settings.problems).toEqual([
      expect.stringContaining('run doctor where the hub runs'),
    ]);
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
