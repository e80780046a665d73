/** Tokens issued per client per UTC day, the platform's "daily call limit". */
export class DailyQuota {
  private readonly used = new Map<string, { day: string; count: number }>();

  /** Counts one issue for `clientId` and returns true, or returns false when `limit` is reached. */
  tryConsume(clientId: string, limit: number, now: number): boolean {
    const day = new Date(now).toISOString().slice(0, 10);
    const current = this.used.get(clientId);
    const count = current?.day === day ? current.count : 0;
    if (count >= limit) return false;
    this.used.set(clientId, { day, count: count + 1 });
    return true;
  }

  /** Forgets today's usage, as if a new UTC day had begun. */
  reset(): void {
    this.used.clear();
  }
}
