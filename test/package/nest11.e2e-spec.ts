import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { closedPort } from '../support/hardening.js';
import { installInNest11App } from '../support/nest11-app.js';
import { compile, packPackage, ROOT, runConsumer } from '../support/packed-package.js';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';

// Outside the repository, so the app resolves only what it installed. One per process.
const APP_DIR = `${tmpdir()}/nestjs-fandeng-auth-nest11-app-${process.pid}`;
const HUB_KEY = 'nest11-hub-key-0123456789abcdef';
const TARBALL_DIR = `${ROOT}/dist/nest11-tarball-${process.pid}`;

/**
 * The packed library in a Nest 11 app (CommonJS, as Nest 11 apps are), beside the Nest 12 one of
 * published.e2e-spec.ts: npm accepts its peers, it boots and calls the platform, its typings
 * compile.
 */
describe('the published package in a Nest 11 app', () => {
  let emulator: FandengPlatformEmulator;

  beforeAll(async () => {
    emulator = await startEmulator();
    mkdirSync(TARBALL_DIR, { recursive: true });
    installInNest11App(APP_DIR, packPackage(TARBALL_DIR));
    for (const file of ['nest11-consumer.cjs', 'testing-types.ts']) {
      copyFileSync(`${ROOT}/test/package/fixtures/${file}`, `${APP_DIR}/${file}`);
    }
  }, 120_000); // the first run on a machine installs Nest 11 from the registry
  afterAll(async () => {
    await emulator.stop();
    rmSync(APP_DIR, { recursive: true, force: true });
    rmSync(TARBALL_DIR, { recursive: true, force: true });
  });

  it('is installed by npm beside Nest 11 and its companions', () => {
    const version = (name: string): string =>
      (
        JSON.parse(readFileSync(`${APP_DIR}/node_modules/${name}/package.json`, 'utf8')) as {
          version: string;
        }
      ).version;
    expect(version('@nestjs/common')).toMatch(/^11\./);
    expect(version('@nestjs/core')).toMatch(/^11\./);
    expect(version('@nestjs/platform-express')).toMatch(/^11\./);
    expect(version('@nestjs/axios')).toMatch(/^4\./);
    expect(version('@nestjs/schedule')).toMatch(/^6\./);
    // The app's class-validator serves the package too: no second copy (8 MB with its own deps).
    expect(version('class-validator')).toBe('0.14.0');
    expect(existsSync(`${APP_DIR}/node_modules/nestjs-fandeng-auth/node_modules`)).toBe(false);
    expect(version('nestjs-fandeng-auth')).toBe(
      (
        JSON.parse(readFileSync(`${ROOT}/libs/fandeng-auth/package.json`, 'utf8')) as {
          version: string;
        }
      ).version,
    );
  });

  it('boots FandengAuthModule.forRoot from require(), refuses bad options, calls with the token', async () => {
    const answer = await runConsumer(
      APP_DIR,
      emulator.url,
      { id: CLIENT_ID, secret: CLIENT_SECRET },
      'nest11-consumer.cjs',
    );
    expect(answer).toEqual({
      tokenType: 'bearer',
      status: 200,
      books: expect.any(Number),
      // options validated by class-validator 0.14: every bad field named, the nested one too
      refused: [
        'INVALID_OPTIONS',
        'clientId',
        'baseUrl',
        'refreshJitter',
        'retry.maxAttempt',
        'clientSecret',
      ],
    });
    expect(emulator.counters.apiOk).toBe(1);
    expect(emulator.counters.apiUnauthorized).toBe(0);
  }, 30_000); // a child process that boots Nest: seconds on a busy machine

  it('runs the token hub command on Nest 11 and its Express adapter', async () => {
    const port = await closedPort();
    const hub = spawn(
      process.execPath,
      [`${APP_DIR}/node_modules/nestjs-fandeng-auth/cli/main.js`, 'hub'],
      {
        cwd: APP_DIR,
        env: {
          PATH: process.env.PATH ?? '',
          FANDENG_CLIENT_ID: CLIENT_ID,
          FANDENG_CLIENT_SECRET: CLIENT_SECRET,
          FANDENG_BASE_URL: emulator.url,
          FANDENG_HUB_API_KEYS: HUB_KEY,
          PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    hub.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    hub.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => hub.once('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    try {
      await healthy(
        base,
        () => hub.exitCode !== null,
        () => output,
      );
      const token = await fetch(`${base}/fandeng-token-hub/token`, {
        headers: { authorization: `Bearer ${HUB_KEY}` },
      });
      expect(token.status).toBe(200);
      expect(((await token.json()) as { value?: unknown }).value).toEqual(expect.any(String));
      const refused = await fetch(`${base}/fandeng-token-hub/token`, {
        headers: { authorization: 'Bearer a-wrong-key-0123456789' },
      });
      expect(refused.status).toBe(401);
      hub.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (hub.exitCode === null) hub.kill('SIGKILL');
      await exited;
    }
  }, 30_000);

  // node10 is what `module: commonjs` implies, the setting of many Nest 11 apps; it ignores
  // package.json `exports` and `imports`. (nodenext and bundler are checked by arethetypeswrong
  // and by the Nest 12 compile in published.e2e-spec.ts: each compile here costs 5 s of CPU.)
  it('types against Nest 11 with module commonjs, moduleResolution node10', async () => {
    const diagnostics = await compile(APP_DIR, [
      '--noEmit',
      '--strict',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node10',
      // TypeScript 6 deprecates node10; consumers on TypeScript 5 use it without this.
      '--ignoreDeprecations',
      '6.0',
      '--target',
      'es2023',
      '--types',
      'node',
      'testing-types.ts',
    ]);
    expect(diagnostics).toBe('');
  }, 60_000); // a full type check of the declarations and Nest 11's: seconds on a busy machine
});

/** Polls the hub's `GET /health` until it answers 200 (it holds a token); bounded to 15 s. */
async function healthy(base: string, gone: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !gone()) {
    const status = await fetch(`${base}/health`).then(
      (response) => response.status,
      () => 0, // not listening yet
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the hub did not become healthy:\n${output()}`);
}
