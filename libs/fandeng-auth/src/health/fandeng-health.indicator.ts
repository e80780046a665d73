import { Inject, Injectable } from '@nestjs/common';
import { TokenService } from '../token/token.service.js';

/** What the indicator reports under its key; the shape `@nestjs/terminus` expects. */
export interface FandengHealthDetails {
  status: 'up' | 'down';
  /** Seconds until the held token expires. */
  expiresInSeconds?: number;
  lastRefreshAt?: string;
  nextRefreshAt?: string;
  consecutiveFailures: number;
  /** While failing: the last error's code and message (never a secret). */
  lastError?: { code: string; message: string };
  store: { shared: boolean; healthy: boolean };
}

/** What the indicator reads of a `TokenService`: the testing kit's fake has it too. */
export type HealthTokenSource = Pick<TokenService, 'peekToken' | 'getToken' | 'getStatus'>;

/** How long a health probe waits for a token when none is held. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * A `@nestjs/terminus` health indicator, without a hard dependency on terminus: it returns the
 * `{ [key]: { status, ... } }` object terminus reads (`down` makes the check fail).
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.fandeng.isHealthy('fandeng')]); }
 * ```
 *
 * Up while a valid token is held. With none held, it asks for one (single flight, and during a
 * failure cooldown the last error comes back at once, so probes never spend the daily quota)
 * and is down if none can be had.
 */
@Injectable()
export class FandengHealthIndicator {
  constructor(@Inject(TokenService) private readonly tokens: HealthTokenSource) {}

  /** Checks `tokens` (a named registration's, or the testing kit's fake) instead of the default one. */
  static for(tokens: HealthTokenSource): FandengHealthIndicator {
    return new FandengHealthIndicator(tokens);
  }

  async isHealthy<const Key extends string = 'fandeng-auth'>(
    key: Key = 'fandeng-auth' as Key,
  ): Promise<Record<Key, FandengHealthDetails>> {
    if (this.tokens.peekToken() === undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.tokens.getToken(),
        new Promise((resolve) => (timer = setTimeout(resolve, PROBE_TIMEOUT_MS))),
      ])
        .catch(() => undefined) // the status below says what went wrong
        .finally(() => clearTimeout(timer));
    }
    const status = this.tokens.getStatus();
    const now = Date.now();
    const up =
      status.state === 'valid' &&
      status.expiresAt !== undefined &&
      status.expiresAt.getTime() > now;
    const details: FandengHealthDetails = {
      status: up ? 'up' : 'down',
      expiresInSeconds: up ? Math.round((status.expiresAt!.getTime() - now) / 1000) : undefined,
      lastRefreshAt: status.lastRefreshAt?.toISOString(),
      nextRefreshAt: status.nextRefreshAt?.toISOString(),
      consecutiveFailures: status.consecutiveFailures,
      lastError: status.lastError && {
        code: status.lastError.code,
        message: status.lastError.message,
      },
      store: status.store,
    };
    return { [key]: details } as Record<Key, FandengHealthDetails>;
  }
}
