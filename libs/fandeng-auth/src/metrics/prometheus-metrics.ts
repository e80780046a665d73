import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { FandengAuthMetrics } from '../interfaces/fandeng-auth-metrics.interface.js';

/** What {@link registerFandengAuthMetrics} reads: a `TokenService`, or anything with `getMetrics()`. */
export interface MetricsSource {
  getMetrics(): FandengAuthMetrics;
}

/** Options of {@link registerFandengAuthMetrics}. */
export interface FandengPrometheusOptions {
  /** The prom-client registry. Default: prom-client's global `register` (what `@willsoto/nestjs-prometheus` serves). */
  registry?: PromClient.Registry;
  /** Prefix of every metric name. Default `fandeng_auth_`. */
  prefix?: string;
}

type Sources = MetricsSource | Record<string, MetricsSource>;

/**
 * Exposes `TokenService.getMetrics()` to Prometheus through `prom-client` (an optional peer):
 * the values are read at scrape time, labelled by `registration` (`default`, or the name of a
 * named registration). Call once at startup, for example in `onModuleInit`.
 */
export function registerFandengAuthMetrics(
  sources: Sources,
  options: FandengPrometheusOptions = {},
): void {
  const prom = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  const registry = options.registry ?? prom.register;
  const prefix = options.prefix ?? 'fandeng_auth_';
  const named: Record<string, MetricsSource> =
    typeof (sources as MetricsSource).getMetrics === 'function'
      ? { default: sources as MetricsSource }
      : (sources as Record<string, MetricsSource>);
  const read = () =>
    Object.entries(named).map(([registration, source]) => ({
      registration,
      m: source.getMetrics(),
    }));
  const registers = [registry];

  /** A gauge; a registration whose value is `null` has no series. */
  const gauge = (name: string, help: string, value: (m: FandengAuthMetrics) => number | null) =>
    new prom.Gauge({
      name: prefix + name,
      help,
      labelNames: ['registration'],
      registers,
      collect() {
        this.reset();
        for (const { registration, m } of read()) {
          const current = value(m);
          if (current !== null) this.set({ registration }, current);
        }
      },
    });
  const counter = (name: string, help: string, value: (m: FandengAuthMetrics) => number) =>
    new prom.Counter({
      name: prefix + name,
      help,
      labelNames: ['registration'],
      registers,
      collect() {
        this.reset();
        for (const { registration, m } of read()) this.inc({ registration }, value(m));
      },
    });

  counter(
    'token_requests_total',
    'Token requests sent (to the platform, or to the hub in hub mode)',
    (m) => m.tokenRequests.total,
  );
  gauge(
    'token_requests_today',
    'Token requests since the start of the platform day',
    (m) => m.tokenRequests.today,
  );
  gauge(
    'token_requests_today_fleet',
    "The whole fleet's token requests since the start of the platform day (shared store only)",
    (m) => m.tokenRequests.fleetToday,
  );
  gauge(
    'token_daily_budget',
    'The configured daily budget of token requests',
    (m) => m.tokenRequests.dailyBudget,
  );
  new prom.Counter({
    name: `${prefix}refreshes_total`,
    help: 'Refreshes, by result and, for failures, by error code',
    labelNames: ['registration', 'result', 'code'],
    registers,
    collect() {
      this.reset();
      for (const { registration, m } of read()) {
        this.inc({ registration, result: 'success', code: '' }, m.refreshes.succeeded);
        for (const [code, count] of Object.entries(m.refreshes.failedByCode)) {
          this.inc({ registration, result: 'failure', code }, count);
        }
      }
    },
  });
  counter(
    'unauthorized_replays_total',
    'Requests replayed with a new token after a 401',
    (m) => m.unauthorizedReplays,
  );
  counter(
    'invalidations_total',
    'Tokens dropped because the platform rejected them',
    (m) => m.invalidated,
  );
  counter('adoptions_total', 'Tokens adopted from the shared store', (m) => m.adopted);
  counter(
    'store_fallbacks_total',
    'Times the shared store failed and the process carried on alone',
    (m) => m.storeFallbacks,
  );
  gauge('token_valid', '1 while a valid token is held', (m) => (m.token.valid ? 1 : 0));
  gauge(
    'token_seconds_to_expiry',
    'Seconds until the held token expires (0 without one)',
    (m) => m.token.secondsToExpiry ?? 0,
  );
  gauge('consecutive_failures', 'Failed refreshes in a row', (m) => m.token.consecutiveFailures);
}
