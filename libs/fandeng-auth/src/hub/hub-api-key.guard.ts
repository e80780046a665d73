import { timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import {
  FANDENG_TOKEN_HUB_OPTIONS,
  keyDigest,
  type HubKey,
  type ResolvedTokenHubOptions,
} from './token-hub-options.js';

/** Where the guard leaves the matched key's consumer name on the request, for the hub's logs. */
export const HUB_CONSUMER = Symbol('fandeng-hub-consumer');

/** The consumer name the guard found for `request`: its key's, or `a consumer`. */
export function consumerOf(request: unknown): string {
  const name = (request as { [HUB_CONSUMER]?: string } | undefined)?.[HUB_CONSUMER];
  return name === undefined ? 'a consumer' : `consumer ${name}`;
}

/**
 * Lets a request through when it carries one of the hub's API keys. Every key is compared, in
 * constant time over equal-length digests, so neither timing nor the match position leaks. A
 * refusal is a bare 401, logged with the caller's address and never with the key.
 */
@Injectable()
export class HubApiKeyGuard implements CanActivate {
  private readonly keys: HubKey[];
  private readonly logger: ModuleLogger;

  constructor(
    @Inject(FANDENG_TOKEN_HUB_OPTIONS) options: ResolvedTokenHubOptions,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    this.keys = options.keys;
    this.logger = createModuleLogger(options.logger, 'FandengTokenHub');
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<{
      headers: Record<string, string | string[] | undefined>;
      ip?: string;
      socket?: { remoteAddress?: string };
    }>();
    this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'Cache-Control', 'no-store');
    const header = request.headers.authorization;
    const presented =
      typeof header === 'string' && /^Bearer \S+$/i.test(header) ? header.slice(7) : undefined;
    const matched = presented === undefined ? undefined : this.match(presented);
    if (matched !== undefined) {
      if (matched.consumer !== undefined)
        Object.assign(request, { [HUB_CONSUMER]: matched.consumer });
      return true;
    }
    const from = request.ip ?? request.socket?.remoteAddress ?? 'unknown address';
    this.logger.warn(
      `Token hub refused a request from ${from}: ${presented === undefined ? 'no API key' : 'wrong API key'}`,
    );
    throw new UnauthorizedException();
  }

  private match(presented: string): HubKey | undefined {
    const candidate = keyDigest(presented);
    let found: HubKey | undefined;
    for (const key of this.keys) if (timingSafeEqual(candidate, key.digest)) found ??= key;
    return found;
  }
}
