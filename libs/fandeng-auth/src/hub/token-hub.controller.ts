import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Post,
  Res,
  UseGuards,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { createModuleLogger, type ModuleLogger } from '../fandeng-auth.logger.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import { fingerprint } from '../token/fingerprint.js';
import { FANDENG_DEFAULT_TOKEN_SERVICE } from '../fandeng-auth.constants.js';
import { getTokenServiceToken } from '../fandeng-auth.providers.js';
import type { TokenService } from '../token/token.service.js';
import { HubApiKeyGuard } from './hub-api-key.guard.js';
import {
  HUB_REJECTED_ROUTE,
  HUB_TOKEN_ROUTE,
  tokenDigest,
  type HubErrorAnswer,
  type HubTokenAnswer,
} from '../sources/hub-protocol.js';
import { FANDENG_TOKEN_HUB_OPTIONS, type ResolvedTokenHubOptions } from './token-hub-options.js';

const DIGEST = /^[0-9a-f]{64}$/;
/** Hub paths mounted per application (its HTTP adapter), to refuse two hubs on one path. */
const mountedPaths = new WeakMap<object, Set<string>>();

/**
 * The hub's routes under `path`: `GET token` hands out the current token, `POST token/rejected`
 * refreshes it if a consumer reports that very token as rejected and it is old enough.
 * The controller class is made per path, because Nest reads a controller's path from its decorator.
 */
export function createTokenHubController(path: string): Type<unknown> {
  @Controller(path)
  @UseGuards(HubApiKeyGuard)
  class FandengTokenHubController implements OnModuleInit {
    private tokens!: TokenService;
    private readonly logger: ModuleLogger;

    constructor(
      @Inject(FANDENG_TOKEN_HUB_OPTIONS) private readonly options: ResolvedTokenHubOptions,
      @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
      @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    ) {
      this.logger = createModuleLogger(options.logger, 'FandengTokenHub');
    }

    onModuleInit(): void {
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

    @Get(HUB_TOKEN_ROUTE)
    @Header('Cache-Control', 'no-store')
    async current(@Res({ passthrough: true }) response: unknown): Promise<HubTokenAnswer> {
      return this.answer(await this.obtain(response));
    }

    @Post(HUB_REJECTED_ROUTE)
    @HttpCode(HttpStatus.OK)
    @Header('Cache-Control', 'no-store')
    async rejected(
      @Body() body: unknown,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<HubTokenAnswer> {
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
      const current = await this.obtain(response);
      if (tokenDigest(current.value) !== digest) return this.answer(current); // already replaced
      const age = Date.now() - current.obtainedAt.getTime();
      if (age < this.options.minRefreshIntervalSeconds * 1000) {
        this.logger.warn(
          `A consumer reported token ${fingerprint(current.value)} as rejected ${Math.round(age / 1000)} s after issue; ` +
            'keeping it (minRefreshIntervalSeconds)',
        );
        return this.answer(current);
      }
      await this.tokens.invalidate(current.value);
      return this.answer(await this.obtain(response));
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
  return FandengTokenHubController;
}
