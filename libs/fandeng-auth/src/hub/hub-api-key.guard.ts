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
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import { AddressCounter } from './address-counter.js';
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

/** The parts of an HTTP request the guard reads. */
interface KeyedRequest {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

/**
 * Lets a request through when it carries one of the hub's API keys. Every key is compared, in
 * constant time over equal-length digests, so neither timing nor the match position leaks. A
 * refusal is a bare 401, logged with the caller's address and never with the key, once per
 * address a minute. An address that presented {@link HUB_FAILED_KEYS_PER_MINUTE} wrong keys in a
 * minute gets 429 with `Retry-After` for every request until the minute ends, before its key is
 * looked at (else a guesser would still learn which key works).
 *
 * The whole decision is synchronous: the lockout check and the count of a wrong key happen in
 * the same turn, so requests pipelined on one connection or sent at once cannot pass the limit.
 * The address is `request.ip`: the socket's peer, or with Express's `trust proxy` set (the hub
 * command's `TRUST_PROXY`) the client a trusted proxy names in `X-Forwarded-For`.
 */
@Injectable()
export class HubApiKeyGuard implements CanActivate {
  private readonly keys: HubKey[];
  private readonly logger: ModuleLogger;
  private readonly failures = new AddressCounter(60_000);
  /** One refusal line per address a minute, not one per attempt. */
  private readonly logged = new AddressCounter(60_000);

  constructor(
    @Inject(FANDENG_TOKEN_HUB_OPTIONS) options: ResolvedTokenHubOptions,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    this.keys = options.keys;
    this.logger = createModuleLogger(options.logger, 'FandengTokenHub');
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<KeyedRequest>();
    const matched = this.authenticate(request, http.getResponse(), true);
    if (matched?.consumer !== undefined)
      Object.assign(request, { [HUB_CONSUMER]: matched.consumer });
    return true;
  }

  /**
   * The key `request` carries, checked as the token route checks it: 429 while its address is
   * locked out, 401 (counted) for a wrong key or, when `required`, a missing one. Without a key
   * and not `required`, `undefined`: a route that shows more to a key holder (`/health`).
   */
  authenticate(request: KeyedRequest, response: unknown, required: boolean): HubKey | undefined {
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    const from = request.ip ?? request.socket?.remoteAddress ?? 'unknown address';
    const state = this.failures.peek(from);
    if (state.count >= HUB_FAILED_KEYS_PER_MINUTE) this.tooMany(response, state.msLeft);
    const header = request.headers.authorization;
    if (header === undefined && !required) return undefined;
    const presented =
      typeof header === 'string' && /^Bearer \S+$/i.test(header) ? header.slice(7) : undefined;
    const matched = presented === undefined ? undefined : this.match(presented);
    if (matched !== undefined) return matched;
    const attempts = this.failures.add(from).count;
    if (this.logged.add(from).count === 1) {
      this.logger.warn(
        `Token hub refused a request from ${from}: ${presented === undefined ? 'no API key' : 'wrong API key'}` +
          (attempts > 1 ? ` (${attempts} refused from there this minute)` : '') +
          `; more than ${HUB_FAILED_KEYS_PER_MINUTE} a minute get 429`,
      );
    }
    throw new UnauthorizedException();
  }

  /** 429 with the seconds until the address's minute ends. */
  private tooMany(response: unknown, msLeft: number): never {
    const seconds = Math.max(1, Math.ceil(msLeft / 1000));
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
