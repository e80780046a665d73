import { HttpService } from '@nestjs/axios';
import { Controller, Get, Inject } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengAuthModule,
  FandengHealthIndicator,
  FandengPacedError,
  registerFandengAuthOpenTelemetry,
  type TokenEvent,
} from 'nestjs-fandeng-auth';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import request from 'supertest';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FAST_RETRY,
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

describe('operations: metrics, events, budget', () => {
  let emulator: FandengPlatformEmulator;
  let harness: TokenHarness | undefined;

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await emulator.stop();
  });

  it('counts token requests, refreshes, failures by kind, 401 replays and invalidations', async () => {
    harness = await bootTokens(emulator);
    const events: TokenEvent[] = [];
    harness.tokens.events$.subscribe((event) => events.push(event));
    const first = await harness.tokens.getAccessToken();
    emulator.revoke(first);
    const http = harness.module.get(HttpService);
    expect((await http.axiosRef.get('/api/books')).status).toBe(200);
    emulator.injectFault({ type: 'status', status: 503, body: 'busy' }, 3);
    await expect(harness.tokens.refresh()).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    const metrics = harness.tokens.getMetrics();

    expect(metrics.tokenRequests).toMatchObject({
      source: 'platform',
      total: 5,
      today: 5,
      dailyBudget: 10_000_000, // the harness sets the most the pacer allows
    });
    expect(metrics.refreshes).toEqual({
      succeeded: 2,
      failed: 1,
      failedByCode: { TRANSPORT_ERROR: 1 },
      heldOff: 0,
    });
    expect(metrics.unauthorizedReplays).toBe(1);
    expect(metrics.invalidated).toBe(1);
    expect(metrics.token.valid).toBe(true);
    expect(metrics.token.secondsToExpiry).toBeGreaterThan(7000);
    expect(events.map((e) => [e.type, e.source])).toEqual([
      ['refresh-started', undefined],
      ['fetched', 'platform'],
      ['invalidated', undefined],
      ['refresh-started', undefined],
      ['fetched', 'platform'], // the rejected token was dropped first: nothing was replaced
      ['refresh-started', undefined],
      ['failed', undefined],
    ]);
    expect(JSON.stringify(events)).not.toContain(first);
  });

  it('tells a refresh that replaced a token from a first fetch', async () => {
    harness = await bootTokens(emulator);
    const types: string[] = [];
    harness.tokens.events$.subscribe((event) => types.push(event.type));
    await harness.tokens.getAccessToken();
    await harness.tokens.refresh();

    expect(types).toEqual(['refresh-started', 'fetched', 'refresh-started', 'refreshed']);
  });

  it('warns once when the day passes the budget share, and once when it reaches the budget', async () => {
    harness = await bootTokens(emulator, { dailyTokenBudget: 4, budgetWarnShare: 0.5 });
    for (let i = 0; i < 4; i++) await harness.tokens.refresh();
    // The budget is also the pace: a fifth request today is not sent.
    const paced = await rejectionOf(harness.tokens.refresh());
    const warnings = harness.logger.lines.filter((line) => line.includes('daily budget'));

    expect(paced).toBeInstanceOf(FandengPacedError);
    expect(emulator.counters.tokenRequests).toBe(4);
    expect(warnings).toEqual([
      'WARN Token requests today passed 50% of the daily budget (2 of 4): is something refreshing too often?',
      'WARN Token requests today reached the daily budget (4 of 4); the platform may refuse further token calls until its day ends',
    ]);
    expect(harness.tokens.getMetrics().tokenRequests).toMatchObject({
      today: 4,
      shareOfBudget: 1,
    });
  });
});

describe('operations: the OpenTelemetry export', () => {
  /** A pull reader: `collect()` runs the callbacks, as a Prometheus or OTLP exporter would. */
  class CollectingReader extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  let emulator: FandengPlatformEmulator;
  let harness: TokenHarness;
  let provider: MeterProvider;

  beforeEach(async () => {
    emulator = await startEmulator();
    harness = await bootTokens(emulator);
  });
  afterEach(async () => {
    await provider.shutdown();
    await harness.module.close();
    await emulator.stop();
  });

  it('reads getMetrics() at each collection, by registration, without the token', async () => {
    const reader = new CollectingReader();
    provider = new MeterProvider({ readers: [reader] });
    const token = await harness.tokens.getAccessToken();
    emulator.injectFault({ type: 'status', status: 503, body: 'busy' }, 3);
    await expect(harness.tokens.refresh()).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    let reads = 0;
    const partner = { getMetrics: () => (reads++, harness.tokens.getMetrics()) };
    const remove = registerFandengAuthOpenTelemetry(provider.getMeter('test'), {
      default: harness.tokens,
      'partner-b': partner,
    });

    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    const points = (name: string) =>
      metrics
        .find((m) => m.descriptor.name === `fandeng_auth.${name}`)
        ?.dataPoints.map((p) => [p.attributes, p.value]);

    expect(reads).toBe(1); // one read per source per collection, not one per instrument
    expect(points('token_requests')).toEqual([
      [{ registration: 'default' }, 4],
      [{ registration: 'partner-b' }, 4],
    ]);
    expect(points('refreshes')).toEqual(
      expect.arrayContaining([
        [{ registration: 'default', result: 'success', code: '' }, 1],
        [{ registration: 'default', result: 'failure', code: 'TRANSPORT_ERROR' }, 1],
      ]),
    );
    expect(points('token_valid')).toContainEqual([{ registration: 'default' }, 1]);
    expect(points('token_requests_today_fleet') ?? []).toEqual([]); // no shared store: no series
    const expiry = metrics.find(
      (m) => m.descriptor.name === 'fandeng_auth.token_seconds_to_expiry',
    );
    expect(expiry?.descriptor.unit).toBe('s');
    expect(expiry?.dataPoints[0].value).toBeGreaterThan(7000);
    expect(JSON.stringify(resourceMetrics)).not.toContain(token);
    expect(JSON.stringify(resourceMetrics)).not.toContain(CLIENT_SECRET);

    remove();
    await reader.collect();
    expect(reads).toBe(1);
  });
});

describe('operations: the terminus health indicator', () => {
  let emulator: FandengPlatformEmulator;
  let module: TestingModule | undefined;

  @Controller('health')
  class HealthController {
    constructor(
      @Inject(HealthCheckService) private readonly health: HealthCheckService,
      @Inject(FandengHealthIndicator) private readonly fandeng: FandengHealthIndicator,
    ) {}

    @Get()
    @HealthCheck()
    check() {
      return this.health.check([() => this.fandeng.isHealthy('fandeng')]);
    }
  }

  async function boot(clientSecret = CLIENT_SECRET) {
    module = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret,
          baseUrl: emulator.url,
          // A long cooldown: the probes below must fall inside it, however slow the machine.
          retry: { ...FAST_RETRY, maxCooldownMs: 60_000 },
          logger: false,
        }),
      ],
      controllers: [HealthController],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    await module?.close();
    module = undefined;
    await emulator.stop();
  });

  it('is up with a valid token, with its time to expiry and no token in the answer', async () => {
    const app = await boot();
    const response = await request(app.getHttpServer()).get('/health').expect(200);

    expect(response.body.status).toBe('ok');
    expect(response.body.details.fandeng).toMatchObject({
      status: 'up',
      expiresInSeconds: expect.any(Number),
      consecutiveFailures: 0,
      store: { shared: false, healthy: true },
    });
    expect(response.body.details.fandeng.expiresInSeconds).toBeGreaterThan(7000);
    expect(response.text).not.toContain(emulator.lastIssued(CLIENT_ID));
    expect(response.text).not.toContain(CLIENT_SECRET);
  });

  it('is down with the error code when no token can be had, and probes do not spend the quota', async () => {
    const app = await boot('wrong-secret');
    const first = await request(app.getHttpServer()).get('/health').expect(503);
    for (let i = 0; i < 5; i++) await request(app.getHttpServer()).get('/health').expect(503);

    expect(first.body.error.fandeng).toMatchObject({
      status: 'down',
      consecutiveFailures: 1,
      lastError: { code: 'INVALID_CLIENT' },
    });
    expect(first.text).not.toContain('wrong-secret');
    // One request: invalid_client is not retried, and the cooldown answers the later probes.
    expect(emulator.counters.tokenRequests).toBe(1);
  });
});
