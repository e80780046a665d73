import type { FandengAuthMetrics } from '../interfaces/fandeng-auth-metrics.interface.js';

const DAY_MS = 24 * 3600 * 1000;

/** Where the budget warnings go. */
export interface BudgetLogger {
  warn(message: string): void;
}

/** The events {@link TokenMetrics.count} counts. */
export type TokenCounter =
  'refreshSucceeded' | 'adopted' | 'invalidated' | 'unauthorizedReplays' | 'storeFallbacks';

/** The budget settings, from the resolved options. */
export interface TokenBudget {
  dailyTokenBudget: number;
  budgetWarnShare: number;
  budgetUtcOffsetMinutes: number;
}

/**
 * The counters behind `TokenService.getMetrics()`. Token requests are counted per platform day
 * (midnight at `budgetUtcOffsetMinutes`, Beijing time by default) against the daily budget, with
 * one warning a day when they pass `budgetWarnShare` of it and one when they reach it.
 */
export class TokenMetrics {
  private total = 0;
  private today = 0;
  private day = -1;
  private warned = { share: -1, budget: -1 };
  private readonly counts: Record<TokenCounter | 'refreshFailed', number> = {
    refreshSucceeded: 0,
    refreshFailed: 0,
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

  /** One token request left this process. */
  tokenRequest(now = Date.now()): void {
    this.rollOver(now);
    this.total++;
    this.today++;
    if (!this.countsAgainstPlatform) return;
    const { dailyTokenBudget, budgetWarnShare } = this.budget;
    if (this.today >= dailyTokenBudget && this.warned.budget !== this.day) {
      this.warned.budget = this.day;
      this.logger.warn(
        `Token requests today reached the daily budget (${this.today} of ${dailyTokenBudget}); ` +
          'the platform may refuse further token calls until its day ends',
      );
    } else if (this.today >= dailyTokenBudget * budgetWarnShare && this.warned.share !== this.day) {
      this.warned.share = this.day;
      this.logger.warn(
        `Token requests today passed ${Math.round(budgetWarnShare * 100)}% of the daily budget ` +
          `(${this.today} of ${dailyTokenBudget}): is something refreshing too often?`,
      );
    }
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
  ): FandengAuthMetrics {
    this.rollOver(now);
    return {
      tokenRequests: {
        source,
        total: this.total,
        today: this.today,
        dailyBudget: this.budget.dailyTokenBudget,
        shareOfBudget: this.today / this.budget.dailyTokenBudget,
      },
      refreshes: {
        succeeded: this.counts.refreshSucceeded,
        failed: this.counts.refreshFailed,
        failedByCode: { ...this.failuresByCode },
      },
      adopted: this.counts.adopted,
      invalidated: this.counts.invalidated,
      unauthorizedReplays: this.counts.unauthorizedReplays,
      storeFallbacks: this.counts.storeFallbacks,
      token,
    };
  }

  private rollOver(now: number): void {
    const day = Math.floor((now + this.budget.budgetUtcOffsetMinutes * 60_000) / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.today = 0;
    }
  }
}
