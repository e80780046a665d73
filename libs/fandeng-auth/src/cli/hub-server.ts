import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import {
  Controller,
  Get,
  Header,
  HttpException,
  HttpStatus,
  Inject,
  Module,
  Req,
  Res,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FandengAuthModule } from '../fandeng-auth.module.js';
import { FandengTokenHubModule } from '../hub/fandeng-token-hub.module.js';
import { HubApiKeyGuard } from '../hub/hub-api-key.guard.js';
import { TokenHubService } from '../hub/token-hub.service.js';
import { registerFandengHubMetrics } from '../metrics/hub-prometheus-metrics.js';
import {
  registerFandengAuthMetrics,
  type PrometheusRegistry,
} from '../metrics/prometheus-metrics.js';
import { RedisTokenStore } from '../stores/redis-token.store.js';
import { TokenService } from '../token/token.service.js';
import { boundConnections } from './hub-connections.js';
import type { HubSettings } from './hub-env.js';
import { registerHubProcessMetrics } from './hub-metrics.js';

/** One JSON object per line (`--log-format json`), for log shippers. Never a token: lines never hold one. */
export class JsonLineLogger implements LoggerService {
  constructor(private readonly write: (line: string) => void) {}
  log(message: unknown, context?: string) {
    this.line('info', message, context);
  }
  warn(message: unknown, context?: string) {
    this.line('warn', message, context);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.line('error', message, rest.findLast((part) => typeof part === 'string') as string);
  }
  debug() {}
  verbose() {}
  private line(level: string, message: unknown, context?: string) {
    const text = message instanceof Error ? message.message : String(message);
    this.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, context, message: text })}\n`,
    );
  }
}

/** Nest's own boot chatter (modules, routes): a hub's operator needs its one startup line. */
const BOOT_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** `logger` without Nest's boot lines (warnings and errors all pass). */
function withoutBootLines(logger: LoggerService): LoggerService {
  return {
    log: (message: unknown, context?: string) => {
      if (!BOOT_CONTEXTS.has(context ?? '')) logger.log(message, context);
    },
    warn: (message: unknown, ...rest: unknown[]) => logger.warn(message, ...rest),
    error: (message: unknown, ...rest: unknown[]) => logger.error(message, ...rest),
  };
}

/** A prom-client registry, as far as the hub server uses one. */
interface PromRegistry extends PrometheusRegistry {
  metrics(): Promise<string>;
}

/** The parts of prom-client the hub server uses. */
interface PromClient {
  register: PromRegistry & { contentType: string };
  Registry: new () => PromRegistry;
}

/** The prom-client module, if the optional peer is installed. */
function promClient(): PromClient | undefined {
  try {
    return createRequire(import.meta.url)('prom-client');
  } catch {
    return undefined;
  }
}

@Controller()
class HubOperationsController {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(HubApiKeyGuard) private readonly keys: HubApiKeyGuard,
  ) {}

  /**
   * 200 while the hub holds a usable token, 503 otherwise. The token's state, fingerprint and
   * expiry only to a caller with one of the hub's keys (checked and counted as on the token
   * route); never the token.
   */
  @Get('health')
  @Header('Cache-Control', 'no-store')
  health(@Req() request: KeyedRequest, @Res({ passthrough: true }) response: unknown) {
    const keyed = this.keys.authenticate(request, response, false) !== undefined;
    const status = this.tokens.getStatus();
    const up = this.tokens.peekToken() !== undefined;
    const body = {
      status: up ? 'ok' : 'unavailable',
      ...(keyed && {
        token: {
          state: status.state,
          fingerprint: status.fingerprint,
          expiresAt: status.expiresAt,
        },
        store: status.store,
      }),
    };
    if (!up) throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}

/**
 * `GET /metrics`: prom-client's global registry; with one of the hub's keys also `consumers`,
 * the registry of the per-consumer counts (the names of the hub's consumers).
 */
function metricsController(prom: PromClient, consumers: PromRegistry) {
  @Controller()
  class HubMetricsController {
    constructor(@Inject(HubApiKeyGuard) private readonly keys: HubApiKeyGuard) {}

    @Get('metrics')
    @Header('Content-Type', prom.register.contentType)
    async metrics(
      @Req() request: KeyedRequest,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<string> {
      const keyed = this.keys.authenticate(request, response, false) !== undefined;
      const shared = await prom.register.metrics();
      return keyed ? `${shared}\n${await consumers.metrics()}` : shared;
    }
  }
  return HubMetricsController;
}

/** The parts of a request the hub's key check reads. */
type KeyedRequest = Parameters<HubApiKeyGuard['authenticate']>[0];

/** A running hub: where it listens, and how to stop it (in-flight requests finish first). */
export interface RunningHub {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** The exit codes of `nestjs-fandeng-auth hub` besides the doctor's (`unexpected`, `invalid-environment`). */
export const HUB_EXIT_CODES = {
  /** The port is in use, or the address is not this machine's: no token was requested. */
  'cannot-listen': 20,
} as const;

/** Thrown by {@link startHubServer} when the hub cannot listen; nothing was spent on the platform. */
export class HubListenError extends Error {
  constructor(readonly code: string) {
    super(`cannot listen: ${code}`);
  }
}

/**
 * Starts the hub that `settings` describe: the platform's token, served to consumers by key. In
 * this order, so a hub that cannot serve spends nothing: it listens (else {@link HubListenError}),
 * reads its store, and only then asks for its first token (which it adopts from the store when
 * another replica holds one).
 */
export async function startHubServer(
  settings: HubSettings,
  logger: LoggerService,
): Promise<RunningHub> {
  const store = settings.redisUrl
    ? new RedisTokenStore({ url: settings.redisUrl, keyPrefix: settings.redisKeyPrefix })
    : undefined;
  const prom = promClient();
  const consumers = prom ? new prom.Registry() : undefined;
  @Module({
    imports: [
      FandengAuthModule.forRoot({ ...settings.auth, store }),
      FandengTokenHubModule.forRoot({ ...settings.hub, path: settings.path }),
    ],
    controllers: [
      HubOperationsController,
      ...(prom && consumers ? [metricsController(prom, consumers)] : []),
    ],
  })
  class HubServerModule {}

  const app = await NestFactory.create(HubServerModule, { logger: withoutBootLines(logger) });
  if (prom && consumers) {
    registerFandengAuthMetrics(app.get(TokenService));
    registerFandengHubMetrics(app.get(TokenHubService), { registry: consumers });
    registerHubProcessMetrics();
  }
  app.getHttpAdapter().getInstance().set('trust proxy', settings.trustProxy);
  const drain = boundConnections(app.getHttpServer());
  try {
    await app.listen(settings.port, settings.host);
  } catch (error) {
    await app.close();
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && LISTEN_ERRORS.has(code)) throw new HubListenError(code);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const named = settings.hub.apiKeys.filter((key) => typeof key !== 'string').length;
  logger.log(
    `Fandeng token hub on http://${host}:${port}/${settings.path}: GET /${settings.path}/token, ` +
      `POST /${settings.path}/token/rejected, GET /health${prom ? ', GET /metrics' : ' (no /metrics: npm i prom-client)'}; ` +
      `${settings.hub.apiKeys.length} API keys (${named} named); store: ${store ? 'Redis' : 'this process'}`,
    'FandengTokenHub',
  );
  const tokens = app.get(TokenService);
  // The first token: from the store if a replica holds one, else from the platform. A failure
  // is logged by the service, which retries on its schedule; /health says 503 meanwhile.
  tokens.getToken().catch(() => undefined);
  return {
    app,
    url: `http://${host}:${port}/${settings.path}`,
    close: () => {
      drain();
      return app.close();
    },
  };
}

/** What `listen` fails with when the address cannot be had: exit `cannot-listen`. */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);
