import { readFileSync } from 'node:fs';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse } from 'yaml';
import { BUILD_INFO_METRIC } from '../../libs/fandeng-auth/src/cli/hub-metrics.js';
import { FANDENG_METRICS } from '../../libs/fandeng-auth/src/metrics/metric-definitions.js';

/** The operations kit: ops/ in the repository, shipped in the package. */
export const RULES = 'ops/prometheus/fandeng-auth.rules.yml';
export const RULE_TESTS = 'ops/prometheus/fandeng-auth.rules.test.yml';
export const DASHBOARD = 'ops/grafana/fandeng-auth.dashboard.json';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return file.groups.flatMap((group) => group.rules);
}

/** The names `registerFandengAuthMetrics` exports with its default prefix. */
export const LIBRARY_METRICS = FANDENG_METRICS.map(
  (m) => `fandeng_auth_${m.name}${m.kind === 'counter' ? '_total' : ''}`,
);

/** prom-client's `process_*` / `nodejs_*` metrics, which the hub command collects. */
function defaultMetricNames(): string[] {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry.getMetricsAsArray().map((metric) => metric.name);
}

/**
 * Every metric the kit may name: the library's, the hub command's own (its consumer counter,
 * hard-coded in cli/hub-server.ts, and its build info) and prom-client's defaults. The scrape
 * test checks the kit's names against a running hub's real exposition too.
 */
export const KNOWN_METRICS = new Set([
  ...LIBRARY_METRICS,
  'fandeng_hub_consumer_requests_total',
  BUILD_INFO_METRIC,
  ...defaultMetricNames(),
]);

interface Target {
  expr: string;
  refId: string;
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: unknown }> };
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

/**
 * Every PromQL expression of the dashboard, with where it is: the panels' targets, and the
 * selectors inside the variables' `label_values(...)` (a Grafana function, not PromQL).
 */
export function dashboardExpressions(board: Dashboard): Array<{ where: string; expr: string }> {
  const targets = board.panels.flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({ where: `${panel.title} ${t.refId}`, expr: t.expr })),
  );
  const variables = board.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const query = (v.query as { query: string }).query;
      const inner = /^label_values\((.+), *\w+\)$/.exec(query);
      if (!inner) throw new Error(`variable ${v.name}: not label_values(selector, label)`);
      return { where: `variable ${v.name}`, expr: inner[1] };
    });
  return [...targets, ...variables];
}
