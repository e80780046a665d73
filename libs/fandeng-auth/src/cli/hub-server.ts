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
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FandengAuthModule } from '../fandeng-auth.module.js';
import { FandengTokenHubModule } from '../hub/fandeng-token-hub.module.js';
import { TokenHubService } from '../hub/token-hub.service.js';
import { registerFandengAuthMetrics } from '../metrics/prometheus-metrics.js';
import { RedisTokenStore } from '../stores/redis-token.store.js';
import { TokenService } from '../token/token.service.js';
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

/** The parts of prom-client the hub server uses. */
interface PromClient {
  register: { metrics(): Promise<string>; contentType: string };
  Counter: new (config: {
    name: string;
    help: string;
    labelNames: string[];
    collect(this: {
      reset(): void;
      inc(labels: Record<string, string>, value: number): void;
    }): void;
  }) => unknown;
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
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  /** 200 while the hub holds a usable token, 503 otherwise; the fingerprint, never the token. */
  @Get('health')
  @Header('Cache-Control', 'no-store')
  health() {
    const status = this.tokens.getStatus();
    const body = {
      status: this.tokens.peekToken() ? 'ok' : 'unavailable',
      token: { state: status.state, fingerprint: status.fingerprint, expiresAt: status.expiresAt },
      store: status.store,
    };
    if (body.status !== 'ok') throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}

function metricsController(prom: NonNullable<ReturnType<typeof promClient>>) {
  @Controller()
  class HubMetricsController {
    @Get('metrics')
    @Header('Content-Type', prom.register.contentType)
    metrics(): Promise<string> {
      return prom.register.metrics();
    }
  }
  return HubMetricsController;
}

/** `fandeng_hub_consumer_requests_total{consumer, kind}`: who pulled the token, who reported a rejection. */
function registerConsumerMetrics(prom: PromClient, hub: TokenHubService): void {
  new prom.Counter({
    name: 'fandeng_hub_consumer_requests_total',
    help: 'Requests the hub answered, by the consumer name of the key (unnamed: keys without one) and kind (token, rejection)',
    labelNames: ['consumer', 'kind'],
    collect() {
      this.reset();
      for (const [name, counts] of hub.getConsumerCounts()) {
        const consumer = name || 'unnamed';
        if (counts.tokens > 0) this.inc({ consumer, kind: 'token' }, counts.tokens);
        if (counts.rejections > 0) this.inc({ consumer, kind: 'rejection' }, counts.rejections);
      }
    },
  });
}

/** A running hub: where it listens, and how to stop it (in-flight requests finish first). */
export interface RunningHub {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Starts the hub that `settings` describe: the platform's token, served to consumers by key. */
export async function startHubServer(
  settings: HubSettings,
  logger: LoggerService,
): Promise<RunningHub> {
  const store = settings.redisUrl
    ? new RedisTokenStore({ url: settings.redisUrl, keyPrefix: settings.redisKeyPrefix })
    : undefined;
  const prom = promClient();
  @Module({
    imports: [
      FandengAuthModule.forRoot({ ...settings.auth, store, fetchOnStart: true }),
      FandengTokenHubModule.forRoot({ ...settings.hub, path: settings.path }),
    ],
    controllers: [HubOperationsController, ...(prom ? [metricsController(prom)] : [])],
  })
  class HubServerModule {}

  const app = await NestFactory.create(HubServerModule, { logger: withoutBootLines(logger) });
  if (prom) {
    registerFandengAuthMetrics(app.get(TokenService));
    registerConsumerMetrics(prom, app.get(TokenHubService));
    registerHubProcessMetrics();
  }
  await app.listen(settings.port, settings.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const named = settings.hub.apiKeys.filter((key) => typeof key !== 'string').length;
  logger.log(
    `Fandeng token hub on http://${host}:${port}/${settings.path}: GET /${settings.path}/token, ` +
      `POST /${settings.path}/token/rejected, GET /health${prom ? ', GET /metrics' : ' (no /metrics: npm i prom-client)'}; ` +
      `${settings.hub.apiKeys.length} API keys (${named} named); store: ${store ? 'Redis' : 'this process'}`,
    'FandengTokenHub',
  );
  return {
    app,
    url: `http://${host}:${port}/${settings.path}`,
    close: () => app.close(),
  };
}
