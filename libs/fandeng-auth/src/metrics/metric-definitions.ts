import type { FandengAuthMetrics } from '../interfaces/fandeng-auth-metrics.interface.js';

/** What the exporters read: a `TokenService`, or anything with `getMetrics()`. */
export interface MetricsSource {
  getMetrics(): FandengAuthMetrics;
}

/** One source, or several by registration name (`default`, or a named registration's name). */
export type MetricsSources = MetricsSource | Record<string, MetricsSource>;

/** A measurement: its attributes besides `registration`, and its value. */
export type Measurement = [attributes: Record<string, string>, value: number];

/**
 * One exported metric, for every exporter alike. Counters are cumulative since the process
 * started; Prometheus gives them a `_total` suffix. `read` returns no measurement where there is
 * nothing to report (a fleet count without a shared store), rather than a misleading 0.
 */
export interface MetricDefinition {
  name: string;
  kind: 'counter' | 'gauge';
  description: string;
  unit?: string;
  /** Attribute names besides `registration`. */
  attributes?: string[];
  read(m: FandengAuthMetrics): Measurement[];
}

const one = (value: number | null): Measurement[] => (value === null ? [] : [[{}, value]]);
/** A metric with one value per registration (`null`: none). */
const simple = (
  kind: MetricDefinition['kind'],
  name: string,
  description: string,
  value: (m: FandengAuthMetrics) => number | null,
  unit?: string,
): MetricDefinition => ({ name, kind, description, unit, read: (m) => one(value(m)) });

export const FANDENG_METRICS: readonly MetricDefinition[] = [
  simple(
    'counter',
    'token_requests',
    'Token requests sent (to the platform, or to the hub in hub mode)',
    (m) => m.tokenRequests.total,
  ),
  simple(
    'gauge',
    'token_requests_today',
    'Token requests since the start of the platform day',
    (m) => m.tokenRequests.today,
  ),
  simple(
    'gauge',
    'token_requests_today_fleet',
    "The whole fleet's token requests since the start of the platform day (shared store only)",
    (m) => m.tokenRequests.fleetToday,
  ),
  simple(
    'gauge',
    'token_daily_budget',
    'The configured daily budget of token requests',
    (m) => m.tokenRequests.dailyBudget,
  ),
  {
    name: 'refreshes',
    kind: 'counter',
    description:
      "Refreshes, by result (success, failure, held_off: not sent in the fleet's outage cooldown) and, for failures, by error code",
    attributes: ['result', 'code'],
    read: (m) => [
      [{ result: 'success', code: '' }, m.refreshes.succeeded],
      ...Object.entries(m.refreshes.failedByCode).map(([code, count]): Measurement => [
        { result: 'failure', code },
        count,
      ]),
      [{ result: 'held_off', code: '' }, m.refreshes.heldOff],
    ],
  },
  simple(
    'counter',
    'unauthorized_replays',
    'Requests replayed with a new token after a 401',
    (m) => m.unauthorizedReplays,
  ),
  simple(
    'counter',
    'invalidations',
    'Tokens dropped because the platform rejected them',
    (m) => m.invalidated,
  ),
  simple('counter', 'adoptions', 'Tokens adopted from the shared store', (m) => m.adopted),
  simple(
    'counter',
    'store_fallbacks',
    'Times the shared store failed and the process carried on alone',
    (m) => m.storeFallbacks,
  ),
  simple(
    'counter',
    'recovery_probes',
    "Probes of the source's recovery during outages (no quota)",
    (m) => m.recovery.probes,
  ),
  simple('gauge', 'recovery_probing', '1 while probing for the source to come back', (m) =>
    m.recovery.probing ? 1 : 0,
  ),
  simple(
    'gauge',
    'last_recovery_seconds',
    'From the first failed refresh of the last outage to the token that ended it',
    (m) => (m.recovery.lastRecoveryMs === null ? null : m.recovery.lastRecoveryMs / 1000),
    's',
  ),
  simple('gauge', 'token_valid', '1 while a valid token is held', (m) => (m.token.valid ? 1 : 0)),
  simple(
    'gauge',
    'token_seconds_to_expiry',
    'Seconds until the held token expires (0 without one)',
    (m) => m.token.secondsToExpiry ?? 0,
    's',
  ),
  simple(
    'gauge',
    'consecutive_failures',
    'Failed refreshes in a row',
    (m) => m.token.consecutiveFailures,
  ),
];

/** Reads every source once, labelled by registration. */
export function readSources(
  sources: MetricsSources,
): Array<{ registration: string; metrics: FandengAuthMetrics }> {
  const named: Record<string, MetricsSource> =
    typeof (sources as MetricsSource).getMetrics === 'function'
      ? { default: sources as MetricsSource }
      : (sources as Record<string, MetricsSource>);
  return Object.entries(named).map(([registration, source]) => ({
    registration,
    metrics: source.getMetrics(),
  }));
}
