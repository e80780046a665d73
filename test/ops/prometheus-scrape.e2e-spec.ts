import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { hubUrl, spawnHub, stopHub, type HubProcess } from '../support/hub-process.js';
import {
  describeWithPrometheus,
  metricNames,
  PrometheusServer,
  promtool,
  withoutGrafanaVariables,
} from '../support/prometheus.js';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';
import { alertRules, dashboard, dashboardExpressions, RULES } from './ops-kit.js';

const KEY = 'billing-key-0123456789abcdef';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const VERSION = (
  JSON.parse(readFileSync('libs/fandeng-auth/package.json', 'utf8')) as { version: string }
).version;

/** prom-client's default gauges whose names end in `_total`, which promtool's lint flags. */
const PROM_CLIENT_LINT = [
  'nodejs_active_handles_total ',
  'nodejs_active_requests_total ',
  'nodejs_active_resources_total ',
];

interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

describeWithPrometheus('a real Prometheus scraping the hub command (issue 25)', () => {
  let emulator: FandengPlatformEmulator;
  let cwd: string;
  let hub: HubProcess | undefined;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    emulator = await startEmulator();
    cwd = mkdtempSync(join(tmpdir(), 'fandeng-hub-'));
  });
  afterAll(async () => {
    await prometheus?.stop();
    if (hub) await stopHub(hub);
    rmSync(cwd, { recursive: true, force: true });
    await emulator.stop();
  });

  it('reads the token metrics, the build info and the process metrics, and evaluates the kit', async () => {
    hub = spawnHub(
      {
        FANDENG_CLIENT_ID: CLIENT_ID,
        FANDENG_CLIENT_SECRET: CLIENT_SECRET,
        FANDENG_BASE_URL: emulator.url,
        FANDENG_HUB_API_KEYS: `billing=sha256:${sha256(KEY)}`,
        PORT: '0',
      },
      cwd,
    );
    const url = await hubUrl(hub);
    const auth = { Authorization: `Bearer ${KEY}` };
    expect((await fetch(`${url}/token`, { headers: auth })).status).toBe(200);
    // A report about a token the hub no longer holds: counted, and no platform request.
    const report = await fetch(`${url}/token/rejected`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ digest: sha256('an older token') }),
    });
    expect(report.status).toBe(200);

    prometheus = await PrometheusServer.start({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [resolve(RULES)],
      scrape_configs: [
        {
          job_name: 'fandeng-token-hub',
          // /metrics names the consumers only to a caller with a key, as the guides say.
          authorization: { credentials: KEY },
          static_configs: [{ targets: [new URL(url).host] }],
        },
      ],
    });
    const server = prometheus;
    await server.until(
      async () => (await server.query('fandeng_auth_token_valid')).length > 0,
      'scraped',
    );

    const value = async (expr: string) => (await server.query(expr)).map((s) => s.value);
    const labels = { job: 'fandeng-token-hub', instance: new URL(url).host };
    expect(await value('up{job="fandeng-token-hub"}')).toEqual([1]);
    expect(await server.query('fandeng_auth_token_valid')).toEqual([
      {
        metric: { __name__: 'fandeng_auth_token_valid', ...labels, registration: 'default' },
        value: 1,
      },
    ]);
    const [toExpiry] = await value('fandeng_auth_token_seconds_to_expiry');
    expect(toExpiry).toBeGreaterThan(7000);
    expect(toExpiry).toBeLessThanOrEqual(7200);
    expect(await value('fandeng_auth_token_requests_total')).toEqual([1]);
    expect(await value('fandeng_auth_consecutive_failures')).toEqual([0]);
    expect(await value('fandeng_hub_consumer_requests_total{consumer="billing"}')).toEqual([1, 1]);
    expect(await value(`fandeng_auth_build_info{version="${VERSION}"}`)).toEqual([1]);
    expect(await value(`nodejs_version_info{version="${process.version}"}`)).toEqual([1]);
    const [memory] = await value('process_resident_memory_bytes');
    expect(memory).toBeGreaterThan(10_000_000);
    expect(emulator.counters.tokenRequests).toBe(1);

    // Every metric the rules and the dashboard name is on the hub's /metrics.
    const exposition = await (
      await fetch(`${new URL(url).origin}/metrics`, { headers: auth })
    ).text();
    const exposed = new Set([...exposition.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    const named = [
      ...alertRules().map((rule) => rule.expr),
      ...dashboardExpressions(dashboard()).map(({ expr }) => withoutGrafanaVariables(expr)),
    ].flatMap(metricNames);
    expect([...new Set(named)].filter((name) => !exposed.has(name))).toEqual([]);

    // promtool's lint of the exposition: only prom-client's own gauges named `_total` remain.
    const lint = promtool(['check', 'metrics'], { input: exposition }).output.trim().split('\n');
    expect(lint.filter((line) => !PROM_CLIENT_LINT.some((name) => line.startsWith(name)))).toEqual(
      [],
    );

    // Every dashboard expression runs.
    for (const { where, expr } of dashboardExpressions(dashboard())) {
      const answer = await server.api('query', { query: withoutGrafanaVariables(expr) });
      expect([where, answer.status, answer.error]).toEqual([where, 'success', undefined]);
    }

    // The alert rules evaluate without error; with a valid token only the rejection alert fires.
    await server.until(
      async () => (await ruleStates(server)).every((r) => !r.lastEvaluation.startsWith('0001')),
      'evaluating the rules',
    );
    const states = await ruleStates(server);
    expect(states.length).toBe(alertRules().length);
    expect(states.filter((r) => r.health !== 'ok')).toEqual([]);
    // An evaluation may come before the first scrape: wait for one that saw it.
    await server.until(
      async () => (await server.query('ALERTS{alertstate="firing"}')).length > 0,
      'firing an alert',
    );
    expect(await server.query('ALERTS')).toEqual([
      expect.objectContaining({
        metric: expect.objectContaining({
          alertname: 'FandengHubTokenRejected',
          alertstate: 'firing',
          consumer: 'billing',
        }),
      }),
    ]);
  }, 20_000);
});

async function ruleStates(server: PrometheusServer): Promise<RuleState[]> {
  const answer = await server.api('rules');
  return (answer.data as { groups: Array<{ rules: RuleState[] }> }).groups.flatMap((g) => g.rules);
}
