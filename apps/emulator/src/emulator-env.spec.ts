import { EmulatorConfigError } from 'fandeng-emulator';
import { DEFAULT_STANDALONE_PORT, readEmulatorEnv } from './emulator-env.js';

describe('readEmulatorEnv', () => {
  it('defaults to port 3100 and leaves everything else to the library', () => {
    expect(readEmulatorEnv({})).toEqual({ port: DEFAULT_STANDALONE_PORT });
    expect(DEFAULT_STANDALONE_PORT).toBe(3100);
  });

  it('reads every variable', () => {
    expect(
      readEmulatorEnv({
        EMULATOR_PORT: '0',
        EMULATOR_TOKEN_LIFETIME_SECONDS: '60',
        EMULATOR_OVERLAP_SECONDS: '0.5',
        EMULATOR_DAILY_QUOTA: '10',
        EMULATOR_CLIENTS: 'alpha:s1, beta:s:2',
      }),
    ).toEqual({
      port: 0,
      tokenLifetimeSeconds: 60,
      overlapSeconds: 0.5,
      dailyQuota: 10,
      clients: { alpha: 's1', beta: 's:2' },
    });
  });

  it('reports every malformed variable at once, never echoing a secret', () => {
    let caught: unknown;
    try {
      readEmulatorEnv({
        EMULATOR_PORT: 'eighty',
        EMULATOR_DAILY_QUOTA: 'lots',
        EMULATOR_CLIENTS: 'ok:fine,top-secret-value,:nosecretid',
      });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(EmulatorConfigError);
    expect((caught as EmulatorConfigError).problems).toEqual([
      'EMULATOR_PORT: not a number',
      'EMULATOR_DAILY_QUOTA: not a number',
      'EMULATOR_CLIENTS: entry 2 is not "id:secret"',
      'EMULATOR_CLIENTS: entry 3 is not "id:secret"',
    ]);
    expect((caught as Error).message).not.toContain('top-secret-value');
  });
});
