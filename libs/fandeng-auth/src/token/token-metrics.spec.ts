import { TokenMetrics } from './token-metrics.js';

describe('TokenMetrics', () => {
  const budget = { dailyTokenBudget: 10, budgetWarnShare: 0.8, budgetUtcOffsetMinutes: 480 };
  // 2026-11-25 15:59:00 UTC is 23:59 in Beijing; two minutes later it is the next platform day.
  const beforeMidnight = Date.UTC(2026, 10, 25, 15, 59);
  const afterMidnight = Date.UTC(2026, 10, 25, 16, 1);

  function metrics(platform = true) {
    const warnings: string[] = [];
    return {
      warnings,
      metrics: new TokenMetrics(budget, { warn: (m) => warnings.push(m) }, platform),
    };
  }
  const gauges = { valid: false, secondsToExpiry: null, consecutiveFailures: 0 };

  it('counts today against the platform day, which starts at midnight UTC+8', () => {
    const { metrics: m } = metrics();
    for (let i = 0; i < 3; i++) m.tokenRequest(beforeMidnight);
    m.tokenRequest(afterMidnight);

    expect(m.snapshot(gauges, 'platform', afterMidnight).tokenRequests).toEqual({
      source: 'platform',
      total: 4,
      today: 1,
      fleetToday: null,
      dailyBudget: 10,
      shareOfBudget: 0.1,
    });
    expect(m.snapshot(gauges, 'platform', afterMidnight + 24 * 3600_000).tokenRequests.today).toBe(
      0,
    );
  });

  it('warns once per day at the share and once at the budget, again the next day', () => {
    const { metrics: m, warnings } = metrics();
    for (let i = 0; i < 12; i++) m.tokenRequest(beforeMidnight);
    expect(warnings).toHaveLength(2);
    for (let i = 0; i < 8; i++) m.tokenRequest(afterMidnight);

    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain('passed 80% of the daily budget (8 of 10)');
    expect(warnings[1]).toContain('reached the daily budget (10 of 10)');
    expect(warnings[2]).toContain('(8 of 10)');
  });

  it("holds the budget to the fleet's count of the platform day once the store gives one", () => {
    const { metrics: m, warnings } = metrics();
    const date = m.tokenRequest(beforeMidnight);
    expect(date).toBe('2026-11-25');
    m.recordFleetCount(date!, 7, beforeMidnight);
    expect(warnings).toEqual([]);
    m.recordFleetCount(date!, 6, beforeMidnight); // a read that answered after a later count
    expect(m.snapshot(gauges, 'platform', beforeMidnight).tokenRequests.fleetToday).toBe(7);
    m.recordFleetCount(date!, 8, beforeMidnight);

    expect(warnings).toEqual([
      'Token requests today across the fleet passed 80% of the daily budget (8 of 10): is something refreshing too often?',
    ]);
    expect(m.snapshot(gauges, 'platform', beforeMidnight).tokenRequests).toMatchObject({
      today: 1,
      fleetToday: 8,
      shareOfBudget: 0.8,
    });

    // After midnight yesterday's count is neither shown nor taken: the fleet's day starts at 0.
    m.recordFleetCount(date!, 10, afterMidnight);
    expect(m.platformDate(afterMidnight)).toBe('2026-11-26');
    expect(m.snapshot(gauges, 'platform', afterMidnight).tokenRequests).toMatchObject({
      today: 0,
      fleetToday: 0,
      shareOfBudget: 0,
    });
    expect(warnings).toHaveLength(1);
  });

  it('warns once when the fleet is already past the budget, not also at the share', () => {
    const { metrics: m, warnings } = metrics();
    const date = m.tokenRequest(beforeMidnight)!;
    m.recordFleetCount(date, 11, beforeMidnight);
    m.tokenRequest(beforeMidnight);

    expect(warnings).toEqual([
      'Token requests today across the fleet reached the daily budget (11 of 10); the platform may refuse further token calls until its day ends',
    ]);
  });

  it('does not warn where the requests go to a hub', () => {
    const { metrics: m, warnings } = metrics(false);
    for (let i = 0; i < 20; i++) expect(m.tokenRequest(beforeMidnight)).toBeUndefined();
    m.recordFleetCount('2026-11-25', 20, beforeMidnight);
    expect(warnings).toEqual([]);
    expect(m.snapshot(gauges, 'hub', beforeMidnight).tokenRequests.today).toBe(20);
  });

  it('counts failures by code', () => {
    const { metrics: m } = metrics();
    m.refreshFailed('TRANSPORT_ERROR');
    m.refreshFailed('TRANSPORT_ERROR');
    m.refreshFailed('INVALID_CLIENT');
    m.count('refreshSucceeded');

    expect(m.snapshot(gauges, 'platform').refreshes).toEqual({
      succeeded: 1,
      failed: 3,
      failedByCode: { TRANSPORT_ERROR: 2, INVALID_CLIENT: 1 },
      heldOff: 0,
    });
  });
});
