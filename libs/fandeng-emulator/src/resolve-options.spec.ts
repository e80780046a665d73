import { EmulatorConfigError } from './emulator-config.error.js';
import { EMULATOR_DEFAULTS, resolveOptions } from './resolve-options.js';

describe('resolveOptions', () => {
  it('fills every default', () => {
    expect(resolveOptions()).toEqual({
      clients: { 'demo-client': 'demo-secret' },
      tokenLifetimeSeconds: 7200,
      overlapSeconds: 300,
      dailyQuota: 2000,
      ipAllowlist: undefined,
      responseFormat: 'fandeng',
      minTokenLength: 0,
      tokenLatencyMs: 0,
      omitExpiration: false,
      fractionalExpiresIn: false,
      port: 0,
      logger: undefined,
    });
  });

  it('patches a base, and resets a key given as undefined to its default', () => {
    const base = resolveOptions({ ipAllowlist: ['1.2.3.4'], dailyQuota: 5 });
    const next = resolveOptions({ ipAllowlist: undefined, overlapSeconds: 0.5 }, base);

    expect(next).toMatchObject({ ipAllowlist: undefined, dailyQuota: 5, overlapSeconds: 0.5 });
    expect(base.ipAllowlist).toEqual(['1.2.3.4']);
  });

  it('collects every problem in one error', () => {
    let caught: unknown;
    try {
      resolveOptions({
        clients: { a: '' },
        tokenLifetimeSeconds: Number.NaN,
        responseFormat: 'xml' as 'fandeng',
        minTokenLength: -1,
        tokenLatencyMs: Infinity,
        omitExpiration: 'yes' as unknown as boolean,
        fractionalExpiresIn: 1 as unknown as boolean,
        ipAllowlist: [1 as unknown as string],
      });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(EmulatorConfigError);
    expect((caught as EmulatorConfigError).problems).toEqual([
      'clients.a: the appSecret must be a non-empty string',
      'tokenLifetimeSeconds: must be a finite number > 0',
      'ipAllowlist: must be an array of address strings',
      "responseFormat: must be 'fandeng' or 'rfc6749'",
      'minTokenLength: must be an integer >= 0',
      'tokenLatencyMs: must be a finite number >= 0',
      'omitExpiration: must be a boolean',
      'fractionalExpiresIn: must be a boolean',
    ]);
    expect((caught as EmulatorConfigError).name).toBe('EmulatorConfigError');
  });

  it('accepts an unlimited quota and an empty client list', () => {
    expect(resolveOptions({ dailyQuota: Infinity, clients: {} })).toMatchObject({
      dailyQuota: Infinity,
      clients: {},
    });
    expect(Object.isFrozen(EMULATOR_DEFAULTS)).toBe(true);
  });
});
