import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  compile,
  installPackedPackage,
  linkPackages,
  ROOT,
  runConsumer,
} from '../support/packed-package.js';
import { writeGuideSnippets } from '../support/guides.js';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';

/** What test/package/fixtures/host-app/host-app.ts reports of one run. */
interface HostReport {
  intervalRuns: number;
  intervalSmallestGapMs: number | null;
  cronRuns: number;
  cronSmallestGapMs: number | null;
  partner: { path: string; headers: Record<string, string> };
  defaultAxiosAuthorization: string | null;
  platform: { status: number; tokensDiffer: boolean } | null;
  health: { status: number; checks: string[] };
  hostEnv: string;
  fandengTimeouts: number;
  globalsUnchanged: boolean;
  leftAfterClose: string[];
}

const STRICT = ['--strict', '--target', 'es2023', '--types', 'node', '--noEmit'];
const REPORTS_ID = 'reports-client';
const REPORTS_SECRET = 'reports-secret-8c1d2e';

/**
 * The package inside a realistic host app: the app's own ScheduleModule, HttpModule clients,
 * ConfigModule with validation and Terminus, plus two registrations of the module. Built from the
 * packed package, as a user installs it.
 */
describe('inside a host application', () => {
  // In the repository, so the host app finds its own modules (@nestjs/*, terminus) there.
  const hostDir = `${ROOT}/dist/host-app-${process.pid}`;
  let emulator: FandengPlatformEmulator;
  let runs: Record<'with' | 'without', HostReport>;

  async function runHost(mode: 'with' | 'without'): Promise<HostReport> {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`${hostDir}/host-app.js`, mode],
      {
        cwd: hostDir,
        env: {
          ...process.env,
          FANDENG_CLIENT_ID: CLIENT_ID,
          FANDENG_CLIENT_SECRET: CLIENT_SECRET,
          REPORTS_CLIENT_ID: REPORTS_ID,
          REPORTS_CLIENT_SECRET: REPORTS_SECRET,
          FANDENG_BASE_URL: emulator.url,
        },
        // It ends by itself after app.close(): a handle left open shows as this timeout.
        timeout: 20_000,
      },
    );
    return JSON.parse(stdout.trim()) as HostReport;
  }

  beforeAll(async () => {
    emulator = await startEmulator({
      clients: { [CLIENT_ID]: CLIENT_SECRET, [REPORTS_ID]: REPORTS_SECRET },
    });
    installPackedPackage(hostDir);
    writeFileSync(`${hostDir}/package.json`, '{ "type": "module" }\n');
    for (const file of ['host-app.ts', 'optional-peers.ts']) {
      copyFileSync(`${ROOT}/test/package/fixtures/host-app/${file}`, `${hostDir}/${file}`);
    }
    const diagnostics = await compile(hostDir, [
      ...STRICT.filter((arg) => arg !== '--noEmit'),
      '--module',
      'nodenext',
      '--experimentalDecorators',
      '--emitDecoratorMetadata',
      'host-app.ts',
      'optional-peers.ts',
    ]);
    if (diagnostics) throw new Error(`the host app does not compile:\n${diagnostics}`);
    // One at a time: the job counts are compared, and two apps at once would share the 2 cores.
    runs = { without: await runHost('without'), with: await runHost('with') };
  }, 120_000);
  afterAll(async () => {
    await emulator.stop();
    rmSync(hostDir, { recursive: true, force: true });
  });

  it("runs each of the host app's scheduled jobs exactly as often as without the module", () => {
    const { with: withModule, without } = runs;
    // A job registered twice runs in pairs, a fraction of a millisecond apart.
    expect(withModule.intervalSmallestGapMs).toBeGreaterThan(50); // @Interval(100)
    expect(withModule.cronSmallestGapMs).toBeGreaterThan(500); // every second
    expect(Math.abs(withModule.intervalRuns - without.intervalRuns)).toBeLessThanOrEqual(2);
    expect(Math.abs(withModule.cronRuns - without.cronRuns)).toBeLessThanOrEqual(1);
    expect(without.intervalRuns).toBeGreaterThanOrEqual(10);
    expect(without.cronRuns).toBeGreaterThanOrEqual(1);
  });

  it("leaves the host app's own HttpModule clients and axios alone", () => {
    for (const run of [runs.with, runs.without]) {
      expect(run.partner.path).toBe('/v2/orders');
      expect(run.partner.headers).toMatchObject({
        'x-partner-key': 'partner-key',
        'x-trace': 'host-interceptor',
      });
      expect(run.partner.headers.authorization).toBeUndefined();
      expect(run.defaultAxiosAuthorization).toBeNull();
    }
    const { host: _, ...withHeaders } = runs.with.partner.headers; // each run has its own port
    const { host: __, ...withoutHeaders } = runs.without.partner.headers;
    expect(withHeaders).toEqual(withoutHeaders);
  });

  it('serves both registrations, and the host keeps its config and health checks', () => {
    expect(runs.with.platform).toEqual({ status: 200, tokensDiffer: true });
    expect(runs.with.hostEnv).toBe('validated');
    expect(runs.with.health).toEqual({ status: 200, checks: ['fandeng', 'host'] });
    expect(runs.without.health).toEqual({ status: 200, checks: ['host'] });
    // Each registration's refresh timer is listed in the host app's SchedulerRegistry.
    expect(runs.with.fandengTimeouts).toBe(2);
  });

  it('changes no global: process listeners, axios defaults, globalThis', () => {
    expect(runs.with.globalsUnchanged).toBe(true);
    expect(runs.without.globalsUnchanged).toBe(true);
  });

  it('leaves no handle after app.close()', () => {
    // The same as the host app alone (its own keep-alive sockets to the partner, idle and unref'd);
    // both processes also ended by themselves, within runHost's timeout.
    expect(runs.with.leftAfterClose).toEqual(runs.without.leftAfterClose);
    expect(runs.with.leftAfterClose).not.toContain('Timeout');
    expect(runs.with.leftAfterClose).not.toContain('TCPServerWrap');
  });
});

/**
 * A fresh project that has installed the packed package and only its required peers: the
 * README's examples compile with `strict` and without `skipLibCheck`, and the module runs.
 */
describe('a consumer with only the required peers', () => {
  const packageJson = JSON.parse(
    readFileSync(`${ROOT}/libs/fandeng-auth/package.json`, 'utf8'),
  ) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
  };
  const required = Object.keys(packageJson.peerDependencies).filter(
    (name) => !packageJson.peerDependenciesMeta[name]?.optional,
  );
  let consumerDir: string;
  let emulator: FandengPlatformEmulator;
  let guideSnippets: string[];

  beforeAll(async () => {
    emulator = await startEmulator();
    // Outside the repository, so nothing else in its node_modules can be found.
    consumerDir = mkdtempSync(`${tmpdir()}/fandeng-consumer-`);
    installPackedPackage(consumerDir);
    writeFileSync(`${consumerDir}/package.json`, '{ "type": "module" }\n');
    const packages = new Set([
      ...required,
      ...Object.keys(packageJson.dependencies),
      // The app's own: Nest apps have them, and the README's examples use @nestjs/config.
      'reflect-metadata',
      '@nestjs/config',
      '@types/node',
    ]);
    linkPackages(consumerDir, [...packages]);
    copyFileSync(
      `${ROOT}/test/package/fixtures/host-app/typings-examples.ts`,
      `${consumerDir}/typings-examples.ts`,
    );
    // The guide's own snippets, as a user copies them, where they need no other package.
    guideSnippets = writeGuideSnippets(consumerDir, [...packages]);
    copyFileSync(`${ROOT}/test/package/fixtures/consumer.mjs`, `${consumerDir}/consumer.mjs`);
  });
  afterAll(async () => {
    await emulator.stop();
    rmSync(consumerDir, { recursive: true, force: true });
  });

  it('has none of the optional peers installed', () => {
    const optional = Object.keys(packageJson.peerDependenciesMeta);
    expect(optional).toEqual(expect.arrayContaining(['ioredis', 'prom-client']));
    expect(required.filter((name) => optional.includes(name))).toEqual([]);
  });

  it.each([
    ['nodenext', ['--module', 'nodenext']],
    ['bundler', ['--module', 'esnext', '--moduleResolution', 'bundler']],
  ])(
    'compiles the README examples under moduleResolution %s',
    async (_, resolution) => {
      expect(guideSnippets).toEqual(
        expect.arrayContaining(['guide/app.module.ts', 'guide/books.service.ts']),
      );
      const diagnostics = await compile(consumerDir, [
        ...STRICT,
        ...resolution,
        '--experimentalDecorators',
        '--emitDecoratorMetadata',
        'typings-examples.ts',
        ...guideSnippets,
      ]);
      expect(diagnostics).toBe('');
    },
    60_000,
  );

  it('boots the module and calls the platform', async () => {
    const credentials = { id: CLIENT_ID, secret: CLIENT_SECRET };
    expect(await runConsumer(consumerDir, emulator.url, credentials)).toMatchObject({
      status: 200,
      tokenType: 'bearer',
    });
  }, 30_000); // a child process that boots Nest
});
