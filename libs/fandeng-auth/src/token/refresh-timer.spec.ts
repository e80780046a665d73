import { jest } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import { RefreshTimer } from './refresh-timer.js';

describe('RefreshTimer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("fires once at its time, listed in the host's registry until then", () => {
    const registry = new SchedulerRegistry();
    let fired = 0;
    const timer = withHandler(new RefreshTimer('fandeng-auth:refresh:1', registry), () => fired++);

    timer.schedule(performance.now() + 1_000);
    expect(registry.getTimeouts()).toEqual(['fandeng-auth:refresh:1']);
    jest.advanceTimersByTime(999);
    expect(fired).toBe(0);
    jest.advanceTimersByTime(1);

    expect(fired).toBe(1);
    expect(registry.getTimeouts()).toEqual([]);
    expect(timer.dueAt).toBeUndefined();
  });

  it('replaces an earlier plan, works without a registry, and clears', () => {
    let fired = 0;
    const timer = withHandler(new RefreshTimer('t'), () => fired++);
    timer.schedule(performance.now() + 1_000);
    timer.schedule(performance.now() + 5_000);
    jest.advanceTimersByTime(4_000);
    expect(fired).toBe(0);
    timer.clear();
    jest.advanceTimersByTime(10_000);
    expect(fired).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('takes a wait beyond setTimeout’s limit in hops', () => {
    let fired = 0;
    const timer = withHandler(new RefreshTimer('t'), () => fired++);
    const thirtyDays = 30 * 24 * 3_600_000; // above 2^31 - 1 ms
    timer.schedule(performance.now() + thirtyDays);
    jest.advanceTimersByTime(2 ** 31 - 1);
    expect(fired).toBe(0);
    jest.advanceTimersByTime(thirtyDays - (2 ** 31 - 1));
    expect(fired).toBe(1);
  });
});

function withHandler(timer: RefreshTimer, fire: () => void): RefreshTimer {
  timer.onFire(fire);
  return timer;
}
