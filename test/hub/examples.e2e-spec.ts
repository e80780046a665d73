import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tokenDigest } from 'nestjs-fandeng-auth';
import { HubFixture, KEY_A } from '../support/hub-fixture.js';

const run = promisify(execFile);
const PYTHON = join(process.cwd(), 'examples/python/fandeng_hub_consumer.py');
const SHELL = join(process.cwd(), 'examples/shell/fandeng-hub-token.sh');

/** Runs an example; resolves its stdout, stderr and exit code (never rejects). */
async function example(file: string, args: string[], env: Record<string, string>) {
  const command = file.endsWith('.py') ? 'python3' : 'bash';
  return run(command, [file, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? tmpdir(), ...env },
    timeout: 20_000,
  }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => error,
  );
}

/** The consumers in examples/ against a real hub: fetch, cache, report a rejection, back off. */
describe('hub consumers in other languages (issue 18)', () => {
  const fx = new HubFixture();
  let dir: string;
  beforeEach(async () => {
    await fx.setUp();
    dir = mkdtempSync(join(tmpdir(), 'fandeng-examples-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await fx.tearDown();
  });

  it('Python (standard library): fetches, caches until the renewal, reports a rejection by digest', async () => {
    const hub = await fx.startHub();
    const env = { HUB_URL: hub.url, HUB_API_KEY: KEY_A };

    const cached = await example(PYTHON, ['--calls', '3'], env);
    const held = await hub.tokens.getAccessToken();
    expect(JSON.parse(cached.stdout)).toEqual({ digest: tokenDigest(held), requests: 1 });

    const rejected = await example(PYTHON, ['--reject'], env);
    const replaced = await hub.tokens.getAccessToken();
    expect(JSON.parse(rejected.stdout)).toEqual({
      digest: tokenDigest(held),
      replaced_digest: tokenDigest(replaced),
      requests: 2,
    });
    expect(replaced).not.toBe(held);
    expect(fx.emulator.counters.tokenRequests).toBe(2);

    const refused = await example(PYTHON, [], { ...env, HUB_API_KEY: 'wrong-key-0123456789abc' });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toBe('the hub refused the API key (HTTP 401)');
  });

  it('Python: backs off on 503 for Retry-After, then gives up with a clear error', async () => {
    fx.emulator.injectFault({ type: 'status', status: 503 }, Infinity);
    const hub = await fx.startHub();

    const started = Date.now();
    const result = await example(PYTHON, [], {
      HUB_URL: hub.url,
      HUB_API_KEY: KEY_A,
      HUB_MAX_WAIT_SECONDS: '0.1',
    });

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      error: 'the hub answered HTTP 503',
      requests: 4,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // three waits of 0.1 s
  });

  it('shell (curl + jq): prints the token, serves it from a private cache, reports a rejection', async () => {
    const hub = await fx.startHub();
    const cache = join(dir, 'token.json');
    const env = { HUB_URL: hub.url, HUB_API_KEY: KEY_A, HUB_CACHE: cache };

    const first = await example(SHELL, [], env);
    const held = await hub.tokens.getAccessToken();
    expect(first).toMatchObject({ code: 0, stdout: `${held}\n` });
    expect(statSync(cache).mode & 0o077).toBe(0); // the owner's only

    // From the cache: the hub's URL may as well be gone.
    const again = await example(SHELL, [], { ...env, HUB_URL: 'http://127.0.0.1:9/none' });
    expect(again).toMatchObject({ code: 0, stdout: `${held}\n` });

    const rejected = await example(SHELL, ['--rejected', held], env);
    const replaced = await hub.tokens.getAccessToken();
    expect(replaced).not.toBe(held);
    expect(rejected).toMatchObject({ code: 0, stdout: `${replaced}\n` });
    expect(fx.emulator.counters.tokenRequests).toBe(2);

    const refused = await example(SHELL, [], {
      ...env,
      HUB_API_KEY: 'wrong-key-0123456789abc',
      HUB_CACHE: join(dir, 'other.json'),
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the hub refused the API key (HTTP 401)');
    expect(refused.stderr).not.toContain('wrong-key');
  });
});
