import { isAllowed, normalizeAddress } from './ip-address.js';

describe('ip address matching', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['::ffff:abcd', '::ffff:abcd'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });

  it('allows everyone without an allowlist, and only listed addresses with one', () => {
    expect(isAllowed('1.2.3.4', undefined)).toBe(true);
    expect(isAllowed('::ffff:1.2.3.4', ['1.2.3.4'])).toBe(true);
    expect(isAllowed('1.2.3.4', ['::ffff:1.2.3.4'])).toBe(true);
    expect(isAllowed('1.2.3.5', ['1.2.3.4'])).toBe(false);
    expect(isAllowed(undefined, ['1.2.3.4'])).toBe(false);
    expect(isAllowed('1.2.3.4', [])).toBe(false);
  });
});
