import { DailyQuota } from './daily-quota.js';

describe('DailyQuota', () => {
  const lateOnDay1 = Date.parse('2026-03-01T23:59:59.999Z');
  const earlyOnDay2 = Date.parse('2026-03-02T00:00:00.000Z');

  it('allows `limit` issues per client, then refuses', () => {
    const quota = new DailyQuota();

    expect([1, 2, 3].map(() => quota.tryConsume('a', 2, lateOnDay1))).toEqual([true, true, false]);
    expect(quota.tryConsume('b', 2, lateOnDay1)).toBe(true);
  });

  it('starts afresh at UTC midnight', () => {
    const quota = new DailyQuota();
    quota.tryConsume('a', 1, lateOnDay1);

    expect(quota.tryConsume('a', 1, lateOnDay1)).toBe(false);
    expect(quota.tryConsume('a', 1, earlyOnDay2)).toBe(true);
  });

  it('refuses everything with a limit of 0, and nothing with Infinity', () => {
    const quota = new DailyQuota();

    expect(quota.tryConsume('a', 0, lateOnDay1)).toBe(false);
    for (let i = 0; i < 5000; i++) expect(quota.tryConsume('b', Infinity, lateOnDay1)).toBe(true);
  });
});
