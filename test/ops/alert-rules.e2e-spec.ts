import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describeWithPrometheus, metricNames, promtool } from '../support/prometheus.js';
import { alertRules, KNOWN_METRICS, RULE_TESTS, RULES } from './ops-kit.js';

describeWithPrometheus('the Prometheus alert rules (ops/prometheus, issue 25)', () => {
  it('are valid rules that name only metrics the library and the hub export', () => {
    const check = promtool(['check', 'rules', RULES]);
    expect(check).toMatchObject({ status: 0 });
    const rules = alertRules();
    expect(rules.map((rule) => rule.alert)).toEqual([
      'FandengTokenInvalid',
      'FandengTokenNearExpiry',
      'FandengTokenRefreshFailing',
      'FandengCredentialsRefused',
      'FandengTokenBudgetNearlySpent',
      'FandengFleetTokenBudgetNearlySpent',
      'FandengHubTokenRejected',
      'FandengRecoveryProbing',
    ]);
    const problems = rules.flatMap(({ alert, expr, labels, annotations }) => [
      ...metricNames(expr)
        .filter((name) => !KNOWN_METRICS.has(name))
        .map((name) => `${alert}: no metric ${name}`),
      ...(/^(critical|warning)$/.test(labels?.severity ?? '') ? [] : [`${alert}: severity`]),
      ...(annotations?.summary && annotations.description ? [] : [`${alert}: annotations`]),
    ]);
    expect(problems).toEqual([]);
  });

  it('pass their promtool unit tests', () => {
    const run = promtool(['test', 'rules', RULE_TESTS]);
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('have unit tests that fail when any one alert never fires', () => {
    // Each alert in turn replaced by one that never fires: its own firing case must fail.
    const dir = mkdtempSync(join(tmpdir(), 'fandeng-rules-'));
    try {
      cpSync(RULE_TESTS, join(dir, 'rules.test.yml'));
      const original = parse(readFileSync(RULES, 'utf8')) as {
        groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
      };
      const caught = alertRules().map(({ alert }) => {
        const broken = structuredClone(original);
        for (const rule of broken.groups[0].rules)
          if (rule.alert === alert) rule.expr = 'vector(1) < 0';
        writeFileSync(join(dir, 'fandeng-auth.rules.yml'), stringify(broken));
        const run = promtool(['test', 'rules', 'rules.test.yml'], { cwd: dir });
        return { alert, failed: run.status !== 0 && run.output.includes(`alertname: ${alert},`) };
      });
      expect(caught.filter((c) => !c.failed)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
