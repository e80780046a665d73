import { RequestPacer } from './request-pacer.js';

const DAY_MS = 86_400_000;

describe('RequestPacer', () => {
  it('allows a burst of 1% of the budget, then one request per share of the day', () => {
    let now = 0;
    const pacer = new RequestPacer(2000, () => now);
    expect(pacer.burst).toBe(20);
    for (let i = 0; i < 20; i++) expect(pacer.take()).toEqual({ ok: true });
    const refused = pacer.take();
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.waitMs).toBe(Math.ceil(DAY_MS / 1980));
    now += DAY_MS / 1980;
    expect(pacer.take()).toEqual({ ok: true });
  });

  it.each([1, 5, 10, 2000, 200_000])(
    'never lets more than the budget (+1 under 10) through in a day: %d',
    (perDay) => {
      let now = 0;
      const pacer = new RequestPacer(perDay, () => now);
      let taken = 0;
      // Asking as fast as the answers allow, for a whole day.
      while (now < DAY_MS) {
        const slot = pacer.take();
        if (slot.ok) taken++;
        now += slot.ok ? 0 : slot.waitMs;
        if (taken > perDay + 1) break;
      }
      expect(taken).toBeLessThanOrEqual(perDay <= 10 ? perDay + 1 : perDay);
      expect(taken).toBeGreaterThan(0);
    },
  );

  it('mints nothing from a clock that steps back', () => {
    let now = 1_000_000;
    const pacer = new RequestPacer(2000, () => now);
    for (let i = 0; i < 20; i++) pacer.take();
    now -= 500_000;
    expect(pacer.take().ok).toBe(false);
  });
});
