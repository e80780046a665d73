import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { compile, installPackedPackage, ROOT, runConsumer } from '../support/packed-package.js';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';

// Inside the repository, so the consumer resolves its peers (@nestjs/*, axios) from node_modules.
// One per process: concurrent test runs must not delete each other's consumer.
const CONSUMER_DIR = `${ROOT}/dist/consumer-${process.pid}`;

/** Packs the built library as npm would publish it and installs the tarball into a consumer app. */
describe('the published package', () => {
  let emulator: FandengPlatformEmulator;
  let tarball: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    tarball = installPackedPackage(CONSUMER_DIR);
    for (const file of ['consumer.mjs', 'testing-consumer.mjs', 'testing-types.ts']) {
      copyFileSync(`${ROOT}/test/package/fixtures/${file}`, `${CONSUMER_DIR}/${file}`);
    }
  });
  afterAll(async () => {
    await emulator.stop();
    rmSync(CONSUMER_DIR, { recursive: true, force: true });
  });

  it('ships compiled JS and type declarations, and no sources or tests', () => {
    const files = readdirSync(`${CONSUMER_DIR}/node_modules/nestjs-fandeng-auth`, {
      recursive: true,
    }) as string[];
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'index.js',
        'index.d.ts',
        'testing/index.js',
        'testing/index.d.ts',
        'emulator/index.js',
        'emulator/index.d.ts',
        'ops/prometheus/fandeng-auth.rules.yml',
        'ops/prometheus/fandeng-auth.rules.test.yml',
        'ops/grafana/fandeng-auth.dashboard.json',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('spec'))).toEqual([]);
  });

  it('ships what its guides link to: the hub OpenAPI document, the examples, the licence', () => {
    const files = readdirSync(`${CONSUMER_DIR}/node_modules/nestjs-fandeng-auth`, {
      recursive: true,
    }) as string[];
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'docs/hub-openapi.yaml',
        ...readdirSync(`${ROOT}/examples`, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile() && !entry.parentPath.includes('__pycache__'))
          .map((entry) => `${entry.parentPath.slice(ROOT.length + 1)}/${entry.name}`),
        ...(existsSync(`${ROOT}/README.zh-CN.md`) ? ['README.zh-CN.md'] : []),
      ]),
    );
    expect(files.filter((f) => f.includes('__pycache__'))).toEqual([]);
    const manifest = JSON.parse(
      readFileSync(`${CONSUMER_DIR}/node_modules/nestjs-fandeng-auth/package.json`, 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      repository: { url: expect.stringMatching(/^git\+https:\/\/github\.com\//) },
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\/.*\/issues$/) },
    });
  });

  // arethetypeswrong resolves each entry as node10, node16 (CJS and ESM) and bundler consumers
  // do. One rule is ignored: a require() of this ESM-only package resolves to ESM, which Node
  // 20.19+ (the package's engines) loads; nest11.e2e-spec.ts does so.
  it('resolves its typings under every moduleResolution (arethetypeswrong)', async () => {
    const attw = `${ROOT}/node_modules/@arethetypeswrong/cli/dist/index.js`;
    const args = ['--ignore-rules', 'cjs-resolves-to-esm', '--no-definitely-typed'];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [attw, tarball, ...args, '--format', 'ascii', '--no-color'],
      { cwd: CONSUMER_DIR, timeout: 60_000 },
    ).catch((error: { stdout?: string; message: string }) => ({
      stdout: `FAILED\n${error.stdout || error.message}`,
    }));
    expect(stdout).not.toMatch(/FAILED/);
  }, 90_000);

  it('is imported by name and works in a plain Nest app', async () => {
    const answer = await runConsumer(CONSUMER_DIR, emulator.url, {
      id: CLIENT_ID,
      secret: CLIENT_SECRET,
    });
    expect(answer).toEqual({
      tokenType: 'bearer',
      status: 200,
      books: expect.any(Number),
    });
    expect(emulator.counters.apiOk).toBe(1);
  }, 30_000); // a child process that boots Nest: seconds on a busy machine

  it('has a testing entry: the fake TokenService and the emulator, in plain ESM', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`${CONSUMER_DIR}/testing-consumer.mjs`],
      { cwd: CONSUMER_DIR, env: { ...process.env, NODE_PATH: '' }, timeout: 20_000 },
    );
    expect(JSON.parse(stdout.trim())).toEqual({
      realStatus: 200,
      tokenErrors: 1,
      fakeIsTokenService: true,
      failure: 'TRANSPORT_ERROR',
      fakeStatus: 200,
    });
  }, 30_000);

  it('types the testing entry, the types of the emulator it re-exports included', async () => {
    // The repository's tsconfig (paths to the sources) is ignored: the packed declarations are checked.
    const diagnostics = await compile(CONSUMER_DIR, [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--target',
      'es2023',
      '--types',
      'node',
      'testing-types.ts',
    ]);
    expect(diagnostics).toBe('');
  }, 60_000); // a full type check of the declarations and their peers: seconds on a busy machine
});
