import { TokenLedger } from './token-ledger.js';

const HOUR = 3_600_000;

describe('TokenLedger', () => {
  it('cuts earlier tokens to now + overlap, never beyond their own expiry', () => {
    const ledger = new TokenLedger();
    ledger.issue('short', 'c', 1_000, 5_000, 0);
    ledger.issue('long', 'c', 10 * HOUR, 5_000, 0);
    ledger.issue('new', 'c', 10 * HOUR, 5_000, 500);

    expect(ledger.check('long', 5_499)).toEqual({ valid: true, clientId: 'c' });
    expect(ledger.check('long', 5_500)).toEqual({ valid: false, reason: 'superseded' });
    expect(ledger.check('short', 999).valid).toBe(true);
    expect(ledger.check('short', 1_000)).toEqual({ valid: false, reason: 'expired' });
    expect(ledger.check('new', 9 * HOUR).valid).toBe(true);
  });

  it('does not extend a cut made by an earlier refresh', () => {
    const ledger = new TokenLedger();
    ledger.issue('a', 'c', HOUR, 1_000, 0);
    ledger.issue('b', 'c', HOUR, 1_000, 100);
    ledger.issue('c', 'c', HOUR, 1_000, 600);

    expect(ledger.check('a', 1_099).valid).toBe(true);
    expect(ledger.check('a', 1_100).valid).toBe(false);
    expect(ledger.check('b', 1_599).valid).toBe(true);
  });

  it('reports unknown and revoked tokens', () => {
    const ledger = new TokenLedger();
    ledger.issue('a', 'c', HOUR, 0, 0);
    ledger.revoke('a');

    expect(ledger.check('a', 1)).toEqual({ valid: false, reason: 'revoked' });
    expect(ledger.check('zzz', 1)).toEqual({ valid: false, reason: 'unknown' });
  });

  it('stays bounded through a soak of issues, keeping only valid tokens', () => {
    const ledger = new TokenLedger();
    for (let i = 0; i < 10_000; i++) ledger.issue(`t${i}`, 'c', i + HOUR, 300, i);

    // Issued 1 ms apart with a 300 ms overlap: about 300 are still valid at the end.
    expect(ledger.size).toBeLessThanOrEqual(302);
    expect(ledger.check('t9999', 10_000).valid).toBe(true);
    expect(ledger.check('t9699', 9_999).valid).toBe(true);
    expect(ledger.check('t0', 10_000)).toEqual({ valid: false, reason: 'unknown' });
  });

  it('prunes dead tokens of clients that stopped refreshing, in the periodic sweep', () => {
    const ledger = new TokenLedger();
    for (let i = 0; i < 100; i++) ledger.issue(`idle${i}`, `idle-client-${i}`, 10, 0, 0);
    ledger.revoke('idle0');
    for (let i = 0; i < 300; i++) ledger.issue(`busy${i}`, 'busy', HOUR, 0, 20 + i);

    expect(ledger.size).toBeLessThanOrEqual(2);
  });

  it('remembers the last token per client and overall, through revocation', () => {
    const ledger = new TokenLedger();
    ledger.issue('a1', 'a', HOUR, 0, 0);
    ledger.issue('b1', 'b', HOUR, 0, 0);
    ledger.issue('a2', 'a', HOUR, 0, 1);
    ledger.revokeAll();

    expect(ledger.lastIssued('a')).toBe('a2');
    expect(ledger.lastIssued('b')).toBe('b1');
    expect(ledger.lastIssued()).toBe('a2');
    expect(ledger.lastIssued('nobody')).toBeUndefined();
    expect(ledger.check('a2', 2)).toEqual({ valid: false, reason: 'revoked' });
  });
});
