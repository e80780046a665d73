/** One issued token as the ledger tracks it. */
interface LedgerEntry {
  readonly clientId: string;
  /** Natural expiry, epoch ms. */
  readonly expiresAt: number;
  /** End of validity, epoch ms: the expiry, or earlier once a newer token supersedes this one. */
  validUntil: number;
  superseded: boolean;
  revoked: boolean;
}

/** Why a token is or is not accepted by the protected API. */
export type TokenCheck =
  | { valid: true; clientId: string }
  | { valid: false; reason: 'unknown' | 'expired' | 'superseded' | 'revoked' };

/** A full sweep of every client's entries runs once per this many issues. */
const SWEEP_EVERY_ISSUES = 256;

/**
 * Every token issued and still of interest, with the platform's overlap rule. Dead entries
 * (expired, past their overlap cut, revoked) are pruned, so a soak of thousands of issues keeps
 * only the tokens that are still valid.
 */
export class TokenLedger {
  private readonly entries = new Map<string, LedgerEntry>();
  private readonly byClient = new Map<string, Set<string>>();
  private readonly last = new Map<string, string>();
  private issuesSinceSweep = 0;

  /**
   * Records `token` for `clientId` and cuts the client's earlier still-valid tokens to
   * `now + overlapMs`: the platform keeps old and new tokens valid together only that long.
   */
  issue(token: string, clientId: string, expiresAt: number, overlapMs: number, now: number): void {
    const tokens = this.byClient.get(clientId) ?? new Set<string>();
    for (const previous of tokens) {
      const entry = this.entries.get(previous);
      if (!entry || this.isDead(entry, now)) {
        this.forget(previous, tokens);
        continue;
      }
      const cut = now + overlapMs;
      if (cut < entry.validUntil) {
        entry.validUntil = cut;
        entry.superseded = true;
      }
    }
    tokens.add(token);
    this.byClient.set(clientId, tokens);
    this.entries.set(token, {
      clientId,
      expiresAt,
      validUntil: expiresAt,
      superseded: false,
      revoked: false,
    });
    // Delete first: a Map keeps first-insertion order, and lastIssued() wants the latest last.
    this.last.delete(clientId);
    this.last.set(clientId, token);
    if (++this.issuesSinceSweep >= SWEEP_EVERY_ISSUES) this.sweep(now);
  }

  check(token: string, now: number): TokenCheck {
    const entry = this.entries.get(token);
    if (!entry) return { valid: false, reason: 'unknown' };
    if (entry.revoked) return { valid: false, reason: 'revoked' };
    if (now >= entry.validUntil) {
      return {
        valid: false,
        reason: entry.validUntil < entry.expiresAt ? 'superseded' : 'expired',
      };
    }
    return { valid: true, clientId: entry.clientId };
  }

  revoke(token: string): void {
    const entry = this.entries.get(token);
    if (entry) entry.revoked = true;
  }

  revokeAll(): void {
    for (const entry of this.entries.values()) entry.revoked = true;
  }

  /** The last token issued to `clientId`, or to any client when omitted; kept after revocation. */
  lastIssued(clientId?: string): string | undefined {
    if (clientId !== undefined) return this.last.get(clientId);
    return [...this.last.values()].at(-1);
  }

  /** How many entries are held (valid or awaiting pruning); for soak tests. */
  get size(): number {
    return this.entries.size;
  }

  /** Drops every dead entry of every client. */
  sweep(now: number): void {
    this.issuesSinceSweep = 0;
    for (const [clientId, tokens] of this.byClient) {
      for (const token of tokens) {
        const entry = this.entries.get(token);
        if (!entry || this.isDead(entry, now)) this.forget(token, tokens);
      }
      if (tokens.size === 0) this.byClient.delete(clientId);
    }
  }

  private isDead(entry: LedgerEntry, now: number): boolean {
    return entry.revoked || now >= entry.validUntil;
  }

  private forget(token: string, tokens: Set<string>): void {
    tokens.delete(token);
    this.entries.delete(token);
  }
}
