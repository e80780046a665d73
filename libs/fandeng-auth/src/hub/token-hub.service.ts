import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FANDENG_DEFAULT_TOKEN_SERVICE } from '../fandeng-auth.constants.js';
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import { getTokenServiceToken } from '../fandeng-auth.providers.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import { tokenDigest, type HubErrorAnswer, type HubTokenAnswer } from '../sources/hub-protocol.js';
import { UNNAMED_CONSUMER } from '../metrics/hub-prometheus-metrics.js';
import { fingerprint } from '../token/fingerprint.js';
import { keepsRejectedToken } from '../token/refresh-plan.js';
import type { TokenService } from '../token/token.service.js';
import { FANDENG_TOKEN_HUB_OPTIONS, type ResolvedTokenHubOptions } from './token-hub-options.js';

const DIGEST = /^[0-9a-f]{64}$/;
/** Hub paths mounted per application (its HTTP adapter), to refuse two hubs on one path. */
const mountedPaths = new WeakMap<object, Set<string>>();

/**
 * What the hub does, behind its routes (`token-hub.controller.ts`): hands out the registration's
 * current token, and refreshes it when a consumer reports that very token as rejected and it is
 * old enough. A failure to get a token is passed on as a 503 with the hub's own error code.
 */
@Injectable()
export class TokenHubService {
  private tokens!: TokenService;
  private readonly logger: ModuleLogger;
  /** Per consumer name (`''`: keys without one): tokens handed out, rejections reported. Bounded by the keys. */
  private readonly counts = new Map<string, HubConsumerCounts>();

  constructor(
    @Inject(FANDENG_TOKEN_HUB_OPTIONS) private readonly options: ResolvedTokenHubOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    this.logger = createModuleLogger(options.logger, 'FandengTokenHub');
  }

  /** Binds the hub to its `TokenService`, refusing a second hub on the same `path`. */
  attach(path: string): void {
    // Two hubs on one path would answer with whichever registered last: refuse it.
    const adapter = this.adapterHost.httpAdapter;
    const paths = mountedPaths.get(adapter) ?? new Set<string>();
    mountedPaths.set(adapter, paths);
    if (paths.has(path)) {
      throw new Error(
        `FandengTokenHubModule: the path "${path}" already serves another registration; give this one its own path`,
      );
    }
    paths.add(path);
    try {
      const token = this.options.name
        ? getTokenServiceToken(this.options.name)
        : FANDENG_DEFAULT_TOKEN_SERVICE;
      this.tokens = this.moduleRef.get(token, { strict: false });
    } catch {
      throw new Error(
        `FandengTokenHubModule needs FandengAuthModule${this.options.name ? ` named "${this.options.name}"` : ''}, ` +
          'with the platform credentials, in the same application',
      );
    }
  }

  /** Tokens handed out and rejections reported, per consumer name (`''`: keys without a name). */
  getConsumerCounts(): ReadonlyMap<string, Readonly<HubConsumerCounts>> {
    return this.counts;
  }

  /** `GET {path}/token`; `consumer` is the name of the caller's key, if it has one. */
  async current(response: unknown, consumer?: string): Promise<HubTokenAnswer> {
    const token = await this.obtain(response);
    this.count(consumer).tokens++;
    this.logger.debug(`Token ${fingerprint(token.value)} handed to ${who(consumer)}`);
    return this.answer(token);
  }

  /** `POST {path}/token/rejected`: `body.digest` names the token a consumer saw rejected. */
  async rejected(body: unknown, response: unknown, consumer?: string): Promise<HubTokenAnswer> {
    const digest = (body as { digest?: unknown } | undefined)?.digest;
    if (typeof digest !== 'string' || !DIGEST.test(digest)) {
      throw new HttpException(
        {
          error: 'bad_request',
          message: 'digest: must be the SHA-256 hex of the rejected token',
        },
        400,
      );
    }
    this.count(consumer).rejections++;
    const current = await this.obtain(response);
    if (tokenDigest(current.value) !== digest) return this.answer(current); // already replaced
    const age = Date.now() - current.obtainedAt.getTime();
    const reported = `${capitalised(who(consumer))} reported token ${fingerprint(current.value)} as rejected`;
    // The hub's own floor first (a consumer must not spend the quota), then the registration's
    // rule, which also doubles per rejection in a row: the log says what was decided, and by whom.
    if (keepsRejectedToken(age, this.options.minRefreshIntervalSeconds * 1000)) {
      this.logger.warn(
        `${reported} ${Math.round(age / 1000)} s after issue; keeping it (the hub's minRefreshIntervalSeconds)`,
      );
      return this.answer(current);
    }
    await this.tokens.invalidate(current.value);
    if (this.tokens.peekToken()?.value === current.value) {
      this.logger.warn(
        `${reported}; keeping it (the registration's minRefreshIntervalSeconds, doubled per rejection in a row)`,
      );
      return this.answer(current);
    }
    this.logger.warn(`${reported}; refreshing it`);
    return this.answer(await this.obtain(response));
  }

  private count(consumer: string | undefined): HubConsumerCounts {
    const key = consumer ?? '';
    let counts = this.counts.get(key);
    if (counts === undefined) {
      counts = { tokens: 0, rejections: 0 };
      this.counts.set(key, counts);
    }
    return counts;
  }

  private async obtain(response: unknown): Promise<AccessToken> {
    try {
      return this.tokens.peekToken() ?? (await this.tokens.getToken());
    } catch (error) {
      if (!(error instanceof FandengAuthError)) throw error;
      // The hub's own failure, passed on: its code and message never hold a secret or a token.
      const status = this.tokens.getStatus();
      const retryAfter = status.cooldownUntil
        ? Math.ceil((status.cooldownUntil.getTime() - Date.now()) / 1000)
        : 0;
      const adapter = this.adapterHost.httpAdapter;
      adapter.setHeader(response, 'Cache-Control', 'no-store');
      if (retryAfter > 0) adapter.setHeader(response, 'Retry-After', String(retryAfter));
      const answer: HubErrorAnswer = {
        error: 'token_unavailable',
        code: error.code,
        message: error.message,
      };
      throw new HttpException(answer, HttpStatus.SERVICE_UNAVAILABLE);
    }
  }

  private answer(token: AccessToken): HubTokenAnswer {
    const now = Date.now();
    const next = this.tokens.getStatus().nextRefreshAt?.getTime();
    return {
      value: token.value,
      tokenType: token.tokenType,
      expiresInSeconds: (token.expiresAt.getTime() - now) / 1000,
      ageSeconds: Math.max(0, now - token.obtainedAt.getTime()) / 1000,
      renewsInSeconds: next === undefined ? undefined : Math.max(0, next - now) / 1000,
      expiresIn: token.expiresIn,
      scope: [...token.scope],
      jti: token.jti,
    };
  }
}

/** What one consumer asked of the hub since it started. */
export interface HubConsumerCounts {
  tokens: number;
  rejections: number;
}

/** How a log line names a consumer: by its key's name, or as the metrics label keys without one. */
function who(consumer: string | undefined): string {
  return `consumer ${consumer ?? UNNAMED_CONSUMER}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
