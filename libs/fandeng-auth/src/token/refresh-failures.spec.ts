import { jest } from '@jest/globals';
import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengPacedError } from '../errors/fandeng-paced.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import { monotonicNow } from './clock.js';
import { RefreshFailures } from './refresh-failures.js';

describe('RefreshFailures', () => {
  it('counts failures in a row, refuses during the cooldown, and starts over on success', () => {
    const failures = new RefreshFailures();
    const error = new FandengTransportError('down');
    expect(failures.refusal()).toBeUndefined();

    failures.record(error, 60_000);
    failures.record(error, 60_000);
    expect(failures.consecutive).toBe(2);
    expect(failures.last?.error).toBe(error);
    expect(failures.refusal()).toBe(error);
    expect(failures.refusal(failures.cooldownUntil)).toBeUndefined();

    failures.succeeded();
    expect(failures.consecutive).toBe(0);
    expect(failures.last).toBeUndefined();
    expect(failures.refusal()).toBeUndefined();
  });

  it("takes the fleet's count of failures when it is higher, and its cooldown", () => {
    const failures = new RefreshFailures();
    const error = new FandengTransportError('down');
    failures.recordShared(error, 4, 30_000);
    expect(failures.consecutive).toBe(4);
    expect(failures.refusal()).toBe(error);
    failures.record(error, 1_000);
    failures.recordShared(error, 2, 1_000); // an older note: this process's count stays
    expect(failures.consecutive).toBe(6);
  });

  it('measures an outage from its first failure to the next token, once', () => {
    jest.useFakeTimers();
    try {
      const failures = new RefreshFailures();
      expect(failures.endOutage()).toBeUndefined();
      failures.record(new FandengTransportError('down'), 10);
      jest.advanceTimersByTime(1_234);
      failures.record(new FandengTransportError('down'), 10); // the same outage: no restart
      jest.advanceTimersByTime(766);

      expect(failures.endOutage()).toBe(2_000);
      expect(failures.lastRecoveryMs).toBe(2_000);
      expect(failures.endOutage()).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it.each([
    ['no answer', new FandengTransportError('timeout'), true],
    ['a 503', new FandengTransportError('503', { status: 503 }), true],
    [
      'a 429 (the platform rate-limits us)',
      new FandengTransportError('429', { status: 429 }),
      false,
    ],
    ['our own pace', new FandengPacedError('paced', 1_000), false],
    ['bad credentials', new FandengCredentialsError('no', { error: 'invalid_client' }), false],
  ])('lets a probe help after %s: %s', (_, error, expected) => {
    const failures = new RefreshFailures();
    failures.record(error, 60_000);
    expect(failures.probeCanHelp()).toBe(expected);
    // Past the cooldown a refresh runs anyway: nothing to probe for.
    expect(failures.probeCanHelp(monotonicNow() + 61_000)).toBe(false);
  });

  it('ends the cooldown when the source answers again', () => {
    const failures = new RefreshFailures();
    failures.record(new FandengTransportError('down'), 60_000);
    failures.endCooldown();
    expect(failures.refusal()).toBeUndefined();
    expect(failures.consecutive).toBe(1);
  });
});
