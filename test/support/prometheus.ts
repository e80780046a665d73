import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './redis-servers.js';

/** Are `promtool` and `prometheus` (Debian's `prometheus` package) on the PATH? */
export const HAS_PROMETHEUS =
  spawnSync('promtool', ['--version']).status === 0 &&
  spawnSync('prometheus', ['--version']).status === 0;

/**
 * The operations-kit suites need Prometheus's binaries. Where they are missing the suites are
 * skipped with a message, except under CI (`CI` set, as `.ci/run` does), where they fail.
 */
export const describeWithPrometheus: typeof describe =
  HAS_PROMETHEUS || process.env.CI ? describe : skipWithMessage();

function skipWithMessage(): typeof describe.skip {
  console.warn('promtool/prometheus are not on the PATH (apt-get install prometheus): skipped');
  return describe.skip;
}

/** Runs `promtool` with `args` (and `input` on stdin); its exit code and its output (stdout and stderr together). */
export function promtool(
  args: string[],
  { cwd, input }: { cwd?: string; input?: string } = {},
): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, input, encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const NOT_NAMES = new Set(
  'and or unless bool offset by without on ignoring group_left group_right inf nan'.split(' '),
);

/**
 * The metric names a PromQL expression selects: identifiers that are not a function call, a
 * keyword, a label list (`by (...)`), a label matcher or a duration. Good for the expressions of
 * this kit; not a PromQL parser (Prometheus itself checks that they parse).
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)].map((m) => m[1]);
  return [...new Set(names.filter((name) => !NOT_NAMES.has(name.toLowerCase())))];
}

/** A Grafana expression as Prometheus sees it: the dashboard's variables replaced. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\w+/g, '.*');
}

/** One Prometheus server of the test's own on a free loopback port, its data in a temp folder. */
export class PrometheusServer {
  readonly output: string[] = [];
  private constructor(
    readonly url: string,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    // No binary (ENOENT): reported by until(), not as an unhandled error event.
    child.once('error', (error) => {
      this.spawnError = error;
    });
  }
  private spawnError: Error | undefined;

  /** Starts `prometheus` with `config` (prometheus.yml as an object) and waits until it is ready. */
  static async start(config: object): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'fandeng-prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, dir, child);
    await server.until(async () => (await fetch(`${server.url}/-/ready`)).ok, 'ready');
    return server;
  }

  /** Polls `check` every 100 ms until it holds (a refused connection counts as not yet). */
  async until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.spawnError) break;
      if (await check().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `Prometheus: not ${what} in time (${this.spawnError ?? 'running'})\n${this.output.join('')}`,
    );
  }

  /** `GET /api/v1/{path}` with `params`: the JSON answer, whatever its status. */
  async api(path: string, params: Record<string, string> = {}): Promise<PrometheusAnswer> {
    const answer = await fetch(`${this.url}/api/v1/${path}?${new URLSearchParams(params)}`);
    return (await answer.json()) as PrometheusAnswer;
  }

  /** An instant query's samples: labels and value. */
  async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
    const answer = await this.api('query', { query: expr });
    if (answer.status !== 'success') throw new Error(`${expr}: ${answer.error}`);
    return (
      answer.data as { result: Array<{ metric: Record<string, string>; value: [number, string] }> }
    ).result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  }

  /** Stops it by its process id and deletes its data. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      process.kill(this.child.pid!, 'SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface PrometheusAnswer {
  status: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
}
