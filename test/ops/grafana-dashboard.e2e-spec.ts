import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  describeWithPrometheus,
  metricNames,
  promtool,
  withoutGrafanaVariables,
} from '../support/prometheus.js';
import { dashboard, dashboardExpressions, KNOWN_METRICS, LIBRARY_METRICS } from './ops-kit.js';

/** promtool's check of `exprs` as recording rules: it parses each, offline. */
function parseProblems(exprs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fandeng-dashboard-'));
  try {
    const rules = exprs.map((expr, i) => ({ record: `dashboard:expression_${i}`, expr }));
    writeFileSync(join(dir, 'exprs.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const check = promtool(['check', 'rules', join(dir, 'exprs.yml')]);
    return check.status === 0 ? '' : check.output;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithPrometheus('the Grafana dashboard (ops/grafana, issue 25)', () => {
  const board = dashboard();
  const expressions = dashboardExpressions(board);

  it('is a dashboard whose panels each have a place, a data source and queries', () => {
    expect(board).toMatchObject({ uid: 'fandeng-auth', schemaVersion: expect.any(Number) });
    const ids = board.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const problems = board.panels.flatMap(
      ({ title, type, gridPos: { x, w }, datasource, targets }) => {
        const refIds = (targets ?? []).map((target) => target.refId);
        return [
          ...(x >= 0 && w > 0 && x + w <= 24 ? [] : [`${title}: outside the 24 columns`]),
          ...(type === 'row' || datasource?.uid === '${datasource}'
            ? []
            : [`${title}: data source`]),
          ...(type === 'row' || refIds.length > 0 ? [] : [`${title}: no query`]),
          ...(new Set(refIds).size === refIds.length ? [] : [`${title}: refId twice`]),
        ];
      },
    );
    expect(problems).toEqual([]);
    // Every variable a query uses is defined (Grafana's own `$__...` aside).
    const defined = board.templating.list.map((variable) => variable.name);
    const used = expressions.flatMap(({ expr }) =>
      [...expr.matchAll(/\$(\w+)/g)].map((m) => m[1]).filter((name) => !name.startsWith('__')),
    );
    expect([...new Set(used)].filter((name) => !defined.includes(name))).toEqual([]);
    expect(new Set(used)).toEqual(new Set(['job', 'instance', 'registration']));
  });

  it('queries only metrics the library and the hub export, and shows every library metric', () => {
    // The name extractor itself, on a known answer.
    expect(
      metricNames('sum by (a) (rate(x_total{b="c"}[5m])) / on (a) y offset 1h > bool 0'),
    ).toEqual(['x_total', 'y']);
    const named = expressions.flatMap(({ where, expr }) =>
      metricNames(withoutGrafanaVariables(expr)).map((name) => ({ where, name })),
    );
    expect(named.filter(({ name }) => !KNOWN_METRICS.has(name))).toEqual([]);
    const shown = new Set(named.map(({ name }) => name));
    expect(LIBRARY_METRICS.filter((name) => !shown.has(name))).toEqual([]);
    expect(shown).toContain('fandeng_hub_consumer_requests_total');
  });

  it('has only expressions that Prometheus parses', () => {
    const exprs = expressions.map(({ expr }) => withoutGrafanaVariables(expr));
    expect(exprs.length).toBeGreaterThan(15);
    expect(parseProblems(exprs)).toBe('');
    // The check does fail: an unbalanced parenthesis is reported.
    expect(parseProblems(['sum(fandeng_auth_token_valid'])).toMatch(/unclosed left parenthesis/);
  });
});
