// A realistic host application with its own scheduler, HTTP clients, config and health checks,
// compiled (strict, no skipLibCheck) against the packed package and run in a child process by
// test/host-app.e2e-spec.ts. `node host-app.js with` imports FandengAuthModule (a default and a
// named registration); `node host-app.js without` is the same app without it. Each prints one
// JSON report of what the host app observed, so the test can compare the two.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpModule, HttpService } from '@nestjs/axios';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { Cron, Interval, ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import axios from 'axios';
import {
  FandengAuthModule,
  FandengHealthIndicator,
  FandengHttpService,
  getTokenServiceToken,
  TokenService,
} from 'nestjs-fandeng-auth';
import { firstValueFrom } from 'rxjs';

const withModule = process.argv[2] === 'with';
/** How long the host's jobs are watched: two cron seconds, about twenty intervals. */
const WATCH_MS = 2_100;
const PROCESS_EVENTS = ['exit', 'SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection'];

// A partner API the host app calls with its own client; it echoes what reached it. Up before the
// modules are declared: ConfigModule validates the environment as it is declared.
const partner = createServer((request, response) => {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ path: request.url, headers: request.headers }));
});
await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
process.env.PARTNER_URL = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/v2`;

@Injectable()
class HostJobs {
  readonly intervalRuns: number[] = [];
  readonly cronRuns: number[] = [];

  @Interval(100)
  tick(): void {
    this.intervalRuns.push(performance.now());
  }

  @Cron('* * * * * *')
  everySecond(): void {
    this.cronRuns.push(performance.now());
  }
}

/** The host's own client of a partner API, with its own base URL, header and interceptor. */
@Injectable()
class PartnerClient implements OnModuleInit {
  constructor(readonly http: HttpService) {}

  onModuleInit(): void {
    this.http.axiosRef.interceptors.request.use((config) => {
      config.headers.set('X-Trace', 'host-interceptor');
      return config;
    });
  }
}

@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        baseURL: config.getOrThrow<string>('PARTNER_URL'),
        headers: { 'X-Partner-Key': 'partner-key' },
      }),
    }),
  ],
  providers: [PartnerClient],
  exports: [PartnerClient],
})
class PartnerModule {}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly config: ConfigService,
    @Optional() private readonly fandeng?: FandengHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    const fandeng = this.fandeng;
    return this.health.check([
      () => ({ host: { status: 'up', env: this.config.get<string>('HOST_ENV') } }),
      ...(fandeng ? [() => fandeng.isHealthy('fandeng')] : []),
    ]);
  }
}

function fandengModules(): DynamicModule[] {
  const credentials = (prefix: string) => (config: ConfigService) => ({
    clientId: config.getOrThrow<string>(`${prefix}_CLIENT_ID`),
    clientSecret: config.getOrThrow<string>(`${prefix}_CLIENT_SECRET`),
    baseUrl: config.getOrThrow<string>('FANDENG_BASE_URL'),
    logger: false as const,
  });
  return [
    // isGlobal, as the README suggests: the partner module must still get its own HttpService.
    FandengAuthModule.forRootAsync({
      inject: [ConfigService],
      useFactory: credentials('FANDENG'),
      isGlobal: true,
    }),
    FandengAuthModule.forRootAsync({
      name: 'reports',
      inject: [ConfigService],
      useFactory: credentials('REPORTS'),
    }),
  ];
}

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      validate: (env: Record<string, unknown>) => {
        if (typeof env.PARTNER_URL !== 'string') throw new Error('PARTNER_URL is required');
        return { ...env, HOST_ENV: 'validated' };
      },
    }),
    ScheduleModule.forRoot(),
    TerminusModule,
    PartnerModule,
    ...(withModule ? fandengModules() : []),
  ],
  controllers: [HealthController],
  providers: [HostJobs],
})
class HostAppModule {}

/** The smallest gap between two runs of a job: a job registered twice runs in pairs. */
function smallestGap(runs: number[]): number | null {
  let gap: number | null = null;
  for (let i = 1; i < runs.length; i++) gap = Math.min(gap ?? Infinity, runs[i] - runs[i - 1]);
  return gap === null ? null : Math.round(gap);
}

function listenerCounts(): Record<string, number> {
  return Object.fromEntries(PROCESS_EVENTS.map((name) => [name, process.listenerCount(name)]));
}

const globalsBefore = {
  axiosDefaults: JSON.stringify(axios.defaults.headers),
  listeners: listenerCounts(),
  globals: Object.keys(globalThis).sort().join(),
};
const app = await NestFactory.create(HostAppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const started = performance.now();

const partnerAnswer = (await firstValueFrom(app.get(PartnerClient).http.get('/orders'))).data;
const defaultAnswer = (
  await axios.get<{ headers: Record<string, string> }>(`${process.env.PARTNER_URL}/plain`)
).data;
const platform = withModule
  ? {
      status: (await app.get(FandengHttpService).axiosRef.get('/api/books')).status,
      tokensDiffer:
        (await app.get(TokenService).getAccessToken()) !==
        (await app.get<TokenService>(getTokenServiceToken('reports')).getAccessToken()),
    }
  : null;
const health = await fetch(`${await app.getUrl()}/health`).then(async (response) => ({
  status: response.status,
  body: (await response.json()) as { info: Record<string, unknown> },
}));
const timeouts = app.get(SchedulerRegistry).getTimeouts();
const globalsAfterBoot = {
  axiosDefaults: JSON.stringify(axios.defaults.headers),
  listeners: listenerCounts(),
  globals: Object.keys(globalThis).sort().join(),
};

await new Promise((resolve) => setTimeout(resolve, WATCH_MS - (performance.now() - started)));
const jobs = app.get(HostJobs);
const report = {
  intervalRuns: jobs.intervalRuns.length,
  intervalSmallestGapMs: smallestGap(jobs.intervalRuns),
  cronRuns: jobs.cronRuns.length,
  cronSmallestGapMs: smallestGap(jobs.cronRuns),
  partner: partnerAnswer as { path: string; headers: Record<string, string> },
  defaultAxiosAuthorization: defaultAnswer.headers.authorization ?? null,
  platform,
  health: { status: health.status, checks: Object.keys(health.body.info).sort() },
  hostEnv: (health.body.info.host as { env?: string }).env,
  fandengTimeouts: timeouts.filter((name) => name.startsWith('fandeng-auth:')).length,
  globalsUnchanged: JSON.stringify(globalsBefore) === JSON.stringify(globalsAfterBoot),
  globalsAfterBoot,
};
await app.close();
partner.closeAllConnections();
await new Promise((resolve) => partner.close(resolve));
// Handles closed in this turn are released in the next one.
await new Promise((resolve) => setTimeout(resolve, 20));
const kinds = new Set(['Timeout', 'Immediate', 'TCPSocketWrap', 'TCPServerWrap']);
// What still holds the event loop after close: the process must end by itself from here.
const leftAfterClose = process.getActiveResourcesInfo().filter((kind) => kinds.has(kind));
process.stdout.write(`${JSON.stringify({ ...report, leftAfterClose })}\n`);
