import type { FandengAuthMetrics } from '../interfaces/fandeng-auth-metrics.interface.js';

const DAY_MS = 24 * 3600 * 1000;

/** Where the budget warnings go. */
export interface BudgetLogger {
  warn(message: string): void;
}

/** The events {@link TokenMetrics.count} counts. */
export type TokenCounter =
  | 'refreshSucceeded'
  | 'heldOff'
  | 'adopted'
  | 'invalidated'
  | 'unauthorizedReplays'
  | 'storeFallbacks';

/** The budget settings, from the resolved options. */
export interface TokenBudget {
  dailyTokenBudget: number;
  budgetWarnShare: number;
  budgetUtcOffsetMinutes: number;
}

/**
 * The counters behind `TokenService.getMetrics()`. Token requests are counted per platform day
 * (midnight at `budgetUtcOffsetMinutes`, Beijing time by default) against the daily budget, with
 * one warning a day when they pass `budgetWarnShare` of it and one when they reach it. On a shared
 * store the warnings compare the fleet's count of the day ({@link recordFleetCount}) with the
 * budget. They only warn: what refuses a request is each process's own pace (`RequestPacer`).
 */
export class TokenMetrics {
  private total = 0;
  private today = 0;
  private day = -1;
  /** The platform's date of {@link day}, `YYYY-MM-DD`: the shared store's counter is named by it. */
  private date = '';
  /**
   * The fleet's token requests today, as last read from the shared store; `undefined` until the
   * store has given one (it never does without a shared store). From then on it starts each day at 0.
   */
  private fleetToday: number | undefined;
  private warned = { share: -1, budget: -1 };
  private readonly counts: Record<TokenCounter | 'refreshFailed', number> = {
    refreshSucceeded: 0,
    refreshFailed: 0,
    heldOff: 0,
    adopted: 0,
    invalidated: 0,
    unauthorizedReplays: 0,
    storeFallbacks: 0,
  };
  private readonly failuresByCode: Record<string, number> = {};

  constructor(
    private readonly budget: TokenBudget,
    private readonly logger: BudgetLogger,
    /** Budget warnings only make sense where the requests go to the platform (not to a hub). */
    private readonly countsAgainstPlatform: boolean,
  ) {}

  /**
   * One token request left this process. Returns the platform's date (`YYYY-MM-DD`) when the
   * request counts against the platform's daily limit (not when it went to a hub).
   */
  tokenRequest(now = Date.now()): string | undefined {
    this.rollOver(now);
    this.total++;
    this.today++;
    if (!this.countsAgainstPlatform) return undefined;
    this.checkBudget();
    return this.date;
  }

  /** The shared store counted `count` token requests across the fleet on `date`. */
  recordFleetCount(date: string, count: number, now = Date.now()): void {
    this.rollOver(now);
    if (date !== this.date || !this.countsAgainstPlatform) return; // a count from before midnight
    // Reads and increments may answer out of order: the count of a day only grows.
    this.fleetToday = Math.max(this.fleetToday ?? 0, count);
    this.checkBudget();
  }

  /**
   * The platform's date now, `YYYY-MM-DD`, under which the fleet counts its token requests;
   * `undefined` where requests do not count against the platform's limit (they go to a hub).
   */
  platformDate(now = Date.now()): string | undefined {
    this.rollOver(now);
    return this.countsAgainstPlatform ? this.date : undefined;
  }

  private checkBudget(): void {
    const { dailyTokenBudget, budgetWarnShare } = this.budget;
    const counted = this.counted();
    const scope = (this.fleetToday ?? -1) >= this.today ? ' across the fleet' : '';
    if (counted >= dailyTokenBudget && this.warned.budget !== this.day) {
      this.warned.budget = this.day;
      this.warned.share = this.day;
      this.logger.warn(
        `Token requests today${scope} reached the daily budget (${counted} of ${dailyTokenBudget}); ` +
          'the platform may refuse further token calls until its day ends',
      );
    } else if (counted >= dailyTokenBudget * budgetWarnShare && this.warned.share !== this.day) {
      this.warned.share = this.day;
      this.logger.warn(
        `Token requests today${scope} passed ${Math.round(budgetWarnShare * 100)}% of the daily budget ` +
          `(${counted} of ${dailyTokenBudget}): is something refreshing too often?`,
      );
    }
  }

  /** What the warnings compare with the budget: the fleet's count where there is one (it includes ours). */
  private counted(): number {
    return Math.max(this.today, this.fleetToday ?? 0);
  }

  count(what: TokenCounter): void {
    this.counts[what]++;
  }

  refreshFailed(code: string): void {
    this.counts.refreshFailed++;
    this.failuresByCode[code] = (this.failuresByCode[code] ?? 0) + 1;
  }

  snapshot(
    token: FandengAuthMetrics['token'],
    source: FandengAuthMetrics['tokenRequests']['source'],
    now = Date.now(),
    recovery: FandengAuthMetrics['recovery'] = { probing: false, probes: 0, lastRecoveryMs: null },
  ): FandengAuthMetrics {
    this.rollOver(now);
    return {
      tokenRequests: {
        source,
        total: this.total,
        today: this.today,
        fleetToday: this.fleetToday ?? null,
        dailyBudget: this.budget.dailyTokenBudget,
        shareOfBudget: this.counted() / this.budget.dailyTokenBudget,
      },
      refreshes: {
        succeeded: this.counts.refreshSucceeded,
        failed: this.counts.refreshFailed,
        failedByCode: { ...this.failuresByCode },
        heldOff: this.counts.heldOff,
      },
      adopted: this.counts.adopted,
      invalidated: this.counts.invalidated,
      unauthorizedReplays: this.counts.unauthorizedReplays,
      storeFallbacks: this.counts.storeFallbacks,
      recovery,
      token,
    };
  }

  private rollOver(now: number): void {
    const day = Math.floor((now + this.budget.budgetUtcOffsetMinutes * 60_000) / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.date = new Date(day * DAY_MS).toISOString().slice(0, 10);
      this.today = 0;
      if (this.fleetToday !== undefined) this.fleetToday = 0;
    }
  }
}
