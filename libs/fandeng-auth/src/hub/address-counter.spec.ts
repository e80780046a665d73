import { AddressCounter } from './address-counter.js';

describe('AddressCounter', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000));

  it('counts per address within a window, and starts over when it ends', () => {
    const counter = new AddressCounter(60_000, 10, clock);
    counter.add('a');
    counter.add('a');
    counter.add('b');
    expect(counter.peek('a')).toEqual({ count: 2, msLeft: 60_000 });
    now += 59_999;
    expect(counter.add('a')).toEqual({ count: 3, msLeft: 1 });
    now += 1;
    expect(counter.peek('a')).toEqual({ count: 0, msLeft: 0 });
    expect(counter.add('a').count).toBe(1);
  });

  it('counts synchronously: each call sees every earlier one', () => {
    const counter = new AddressCounter(60_000, 10, clock);
    const counts = Array.from({ length: 5 }, () => counter.add('a').count);
    expect(counts).toEqual([1, 2, 3, 4, 5]);
  });

  it('stays within maxAddresses, dropping ended windows first, then the oldest', () => {
    const counter = new AddressCounter(1_000, 2, clock);
    counter.add('old');
    now += 500;
    counter.add('kept');
    now += 600; // 'old' has ended, 'kept' has not
    counter.add('new');
    expect(counter.peek('kept').count).toBe(1);
    counter.add('newer'); // full of live windows: the oldest ('kept') goes
    expect(counter.peek('kept').count).toBe(0);
    expect(counter.peek('new').count).toBe(1);
    expect(counter.peek('newer').count).toBe(1);
  });
});
