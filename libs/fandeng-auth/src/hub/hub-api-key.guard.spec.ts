import type { HttpException } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { HUB_FAILED_KEYS_PER_MINUTE, HubApiKeyGuard } from './hub-api-key.guard.js';
import { resolveTokenHubOptions } from './token-hub-options.js';

const KEY = 'billing-key-0123456789abcdef';
const OTHER = 'reports-key-fedcba9876543210';

describe('HubApiKeyGuard', () => {
  let headers: Record<string, string>;
  let guard: HubApiKeyGuard;
  beforeEach(() => {
    headers = {};
    const adapterHost = {
      httpAdapter: {
        setHeader: (_: unknown, name: string, value: string) => (headers[name] = value),
      },
    } as unknown as HttpAdapterHost;
    const options = resolveTokenHubOptions({
      apiKeys: [{ key: KEY, consumer: 'billing' }, OTHER],
      logger: false,
    });
    guard = new HubApiKeyGuard(options, adapterHost);
  });
  const from = (ip: string, key?: string) => ({
    ip,
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  const statusOf = (run: () => unknown): number | 'passed' => {
    try {
      run();
      return 'passed';
    } catch (error) {
      return (error as HttpException).getStatus();
    }
  };

  it('decides synchronously: the 11th request from an address is 429, whatever key it carries', () => {
    const statuses = Array.from({ length: HUB_FAILED_KEYS_PER_MINUTE + 2 }, (_, i) =>
      statusOf(() => guard.authenticate(from('10.0.0.1', `guess-${i}-0123456789`), {}, true)),
    );
    const right = statusOf(() => guard.authenticate(from('10.0.0.1', KEY), {}, true));

    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    expect(right).toBe(429);
    expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
    expect(guard.authenticate(from('10.0.0.2', KEY), {}, true)).toMatchObject({
      consumer: 'billing',
    });
  });

  it('counts a missing key where one is required, and lets a keyless caller through where not', () => {
    expect(statusOf(() => guard.authenticate(from('10.0.0.3'), {}, true))).toBe(401);
    expect(guard.authenticate(from('10.0.0.3'), {}, false)).toBeUndefined();
    expect(
      statusOf(() => guard.authenticate(from('10.0.0.3', 'wrong-key-0123456789'), {}, false)),
    ).toBe(401);
    expect(guard.authenticate(from('10.0.0.3', OTHER), {}, false)).toMatchObject({
      consumer: undefined,
    });
    expect(headers['Cache-Control']).toBe('no-store');
  });
});
