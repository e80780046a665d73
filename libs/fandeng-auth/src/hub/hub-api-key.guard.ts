import { timingSafeEqual } from 'node:crypto';
import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import {
  FANDENG_TOKEN_HUB_OPTIONS,
  keyDigest,
  type HubKey,
  type ResolvedTokenHubOptions,
} from './token-hub-options.js';

/** Where the guard leaves the matched key's consumer name on the request, for the hub's logs. */
export const HUB_CONSUMER = Symbol('fandeng-hub-consumer');

/** The consumer name of the key that `request` carried, where its key has one. */
export function consumerOf(request: unknown): string | undefined {
  return (request as { [HUB_CONSUMER]?: string } | undefined)?.[HUB_CONSUMER];
}

/** Wrong or missing keys an address may present in a minute; then it gets 429 until the minute ends. */
export const HUB_FAILED_KEYS_PER_MINUTE = 10;

/**
 * Lets a request through when it carries one of the hub's API keys. Every key is compared, in
 * constant time over equal-length digests, so neither timing nor the match position leaks. A
 * refusal is a bare 401, logged with the caller's address and never with the key, once per
 * address a minute. An address that presented {@link HUB_FAILED_KEYS_PER_MINUTE} wrong keys in a
 * minute gets 429 with `Retry-After` for every request until the minute ends, before its key is
 * looked at (else a guesser would still learn which key works).
 */
@Injectable()
export class HubApiKeyGuard implements CanActivate {
  private readonly keys: HubKey[];
  private readonly logger: ModuleLogger;
  private readonly failures = new RateLimiterMemory({
    points: HUB_FAILED_KEYS_PER_MINUTE,
    duration: 60,
  });
  /** One refusal line per address a minute, not one per attempt. */
  private readonly logged = new RateLimiterMemory({ points: 1, duration: 60 });

  constructor(
    @Inject(FANDENG_TOKEN_HUB_OPTIONS) options: ResolvedTokenHubOptions,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    this.keys = options.keys;
    this.logger = createModuleLogger(options.logger, 'FandengTokenHub');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<{
      headers: Record<string, string | string[] | undefined>;
      ip?: string;
      socket?: { remoteAddress?: string };
    }>();
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(http.getResponse(), 'Cache-Control', 'no-store');
    const from = request.ip ?? request.socket?.remoteAddress ?? 'unknown address';
    const failed = await this.failures.get(from);
    if (failed !== null && failed.remainingPoints <= 0) this.tooMany(http.getResponse(), failed);
    const header = request.headers.authorization;
    const presented =
      typeof header === 'string' && /^Bearer \S+$/i.test(header) ? header.slice(7) : undefined;
    const matched = presented === undefined ? undefined : this.match(presented);
    if (matched !== undefined) {
      if (matched.consumer !== undefined)
        Object.assign(request, { [HUB_CONSUMER]: matched.consumer });
      return true;
    }
    const counted = await this.failures.consume(from).catch((limited: unknown) => limited);
    const attempts =
      counted instanceof RateLimiterRes ? counted.consumedPoints : HUB_FAILED_KEYS_PER_MINUTE;
    if (
      await this.logged.consume(from).then(
        () => true,
        () => false,
      )
    ) {
      this.logger.warn(
        `Token hub refused a request from ${from}: ${presented === undefined ? 'no API key' : 'wrong API key'}` +
          (attempts > 1 ? ` (${attempts} refused from there this minute)` : '') +
          `; more than ${HUB_FAILED_KEYS_PER_MINUTE} a minute get 429`,
      );
    }
    throw new UnauthorizedException();
  }

  /** 429 with the seconds until the address's minute ends. */
  private tooMany(response: unknown, state: RateLimiterRes): never {
    const seconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    this.adapterHost.httpAdapter.setHeader(response, 'Retry-After', String(seconds));
    throw new HttpException(
      { error: 'too_many_requests', message: 'too many wrong API keys from this address' },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private match(presented: string): HubKey | undefined {
    const candidate = keyDigest(presented);
    let found: HubKey | undefined;
    for (const key of this.keys) if (timingSafeEqual(candidate, key.digest)) found ??= key;
    return found;
  }
}
