import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import { FANDENG_TOKEN_HUB_OPTIONS, type ResolvedTokenHubOptions } from './token-hub-options.js';

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * Lets a request through when it carries one of the hub's API keys. Every key is compared, in
 * constant time over equal-length digests, so neither timing nor the match position leaks. A
 * refusal is a bare 401, logged with the caller's address and never with the key.
 */
@Injectable()
export class HubApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];
  private readonly logger: ModuleLogger;

  constructor(
    @Inject(FANDENG_TOKEN_HUB_OPTIONS) options: ResolvedTokenHubOptions,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    this.keys = options.apiKeys.map(digest);
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
    if (presented !== undefined && this.matches(presented)) return true;
    const from = request.ip ?? request.socket?.remoteAddress ?? 'unknown address';
    this.logger.warn(
      `Token hub refused a request from ${from}: ${presented === undefined ? 'no API key' : 'wrong API key'}`,
    );
    throw new UnauthorizedException();
  }

  private matches(presented: string): boolean {
    const candidate = digest(presented);
    let found = false;
    for (const key of this.keys) found = timingSafeEqual(candidate, key) || found;
    return found;
  }
}
