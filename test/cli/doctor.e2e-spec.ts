import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengAuthModule,
  FandengTokenHubModule,
  TokenService,
  fingerprint,
} from 'nestjs-fandeng-auth';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';

/** The built command, as `npx nestjs-fandeng-auth` runs it (test/global-setup.mjs builds it). */
const MAIN = join(process.cwd(), 'dist/libs/fandeng-auth/cli/main.js');

interface Run {
  code: number | null;
  /** stdout and stderr together: both are scanned for secrets. */
  out: string;
}

/** Runs the command with exactly `env` (plus PATH), in `cwd`: nothing leaks in from this shell. */
function doctor(env: Record<string, string>, args: string[] = [], cwd = emptyDir): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'doctor', ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Neither the secret nor a token, nor any 12-character piece of them, appears in `out`. */
function expectNoSecrets(out: string, ...secrets: (string | undefined)[]): void {
  for (const secret of [CLIENT_SECRET, ...secrets]) {
    if (secret === undefined) continue;
    const pieces = Array.from({ length: Math.max(1, secret.length - 11) }, (_, i) =>
      secret.slice(i, i + 12),
    );
    expect(pieces.filter((piece) => out.includes(piece))).toEqual([]);
  }
}

/** A port on 127.0.0.1 that was free a moment ago and has nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let emptyDir: string;

describe('nestjs-fandeng-auth doctor (the built command)', () => {
  let emulator: FandengPlatformEmulator;
  let env: Record<string, string>;

  beforeAll(() => {
    emptyDir = mkdtempSync(join(tmpdir(), 'fandeng-doctor-'));
  });
  afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));
  beforeEach(async () => {
    emulator = await startEmulator();
    env = {
      FANDENG_CLIENT_ID: CLIENT_ID,
      FANDENG_CLIENT_SECRET: CLIENT_SECRET,
      FANDENG_BASE_URL: emulator.url,
    };
  });
  afterEach(() => emulator.stop());

  it('reports a token by fingerprint, lifetime, clock offset and round trip, with one request', async () => {
    const { code, out } = await doctor(env);
    const token = emulator.lastIssued(CLIENT_ID);

    expect(code).toBe(0);
    expect(out).toContain('OK: the platform issued a token.');
    expect(out).toContain(fingerprint(token!));
    expect(out).toMatch(/lifetime +7200 s \(expiresIn\)/);
    expect(out).toContain('in step with the platform');
    expect(out).toMatch(/round trip +\d+ ms/);
    expect(emulator.counters.tokenRequests).toBe(1);
    expectNoSecrets(out, token);
  });

  it('prints one JSON object with --json', async () => {
    emulator.configure({ tokenLatencyMs: 150 }); // the platform takes 150 ms to answer
    const { code, out } = await doctor(env, ['--json']);
    const token = emulator.lastIssued(CLIENT_ID)!;
    const report = JSON.parse(out);

    expect(code).toBe(0);
    expect(report).toMatchObject({
      ok: true,
      outcome: 'ok',
      exitCode: 0,
      clientId: CLIENT_ID,
      tokenUrl: `${emulator.url}/oauth/token`,
      token: { fingerprint: fingerprint(token), expiresIn: 7200, tokenType: 'bearer' },
    });
    expect(Math.abs(report.token.clockOffsetMs)).toBeLessThan(2000);
    // The round trip is the token request's, the platform's 150 ms included.
    expect(report.roundTripMs).toBeGreaterThanOrEqual(150);
    expect(report.roundTripMs).toBeLessThan(5_000);
    expectNoSecrets(out, token);
  });

  it('says the clock offset is unknown when the answer has no expiration (RFC 6749 shape)', async () => {
    emulator.configure({ responseFormat: 'rfc6749' });
    const { code, out } = await doctor(env);

    expect(code).toBe(0);
    expect(out).toContain('offset unknown: the answer has no `expiration`');
    expectNoSecrets(out, emulator.lastIssued(CLIENT_ID));
  });

  it('reads .env from the current directory, the environment winning over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fandeng-doctor-env-'));
    try {
      writeFileSync(
        join(dir, '.env'),
        `FANDENG_CLIENT_ID=${CLIENT_ID}\nFANDENG_CLIENT_SECRET=wrong-secret-in-dotenv\nFANDENG_BASE_URL=${emulator.url}\n`,
      );
      const { code, out } = await doctor({ FANDENG_CLIENT_SECRET: CLIENT_SECRET }, [], dir);

      expect(code).toBe(0);
      expect(out).toContain(`read ${join(dir, '.env')}`);
      expectNoSecrets(out, 'wrong-secret-in-dotenv', emulator.lastIssued(CLIENT_ID));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains wrong credentials (invalid_client)', async () => {
    const wrong = 'wrong-secret-8d1f2a';
    const { code, out } = await doctor({ ...env, FANDENG_CLIENT_SECRET: wrong });

    expect(code).toBe(4);
    expect(out).toContain('Wrong credentials: the platform rejected the client id or secret');
    expect(out).toContain('invalid_client');
    expect(out).toContain('Check FANDENG_CLIENT_ID (the appId) and FANDENG_CLIENT_SECRET');
    expectNoSecrets(out, wrong);
  });

  it('explains an IP that is not on the whitelist (a gateway 403)', async () => {
    emulator.configure({ ipAllowlist: ['192.0.2.10'] });
    const { code, out } = await doctor(env, ['--json']);
    const report = JSON.parse(out);

    expect(code).toBe(5);
    expect(report).toMatchObject({ outcome: 'access-denied', httpStatus: 403 });
    expect(report.summary).toContain('not on the platform whitelist');
    expect(report.advice.join(' ')).toContain('whitelist the public IP address');
    expectNoSecrets(out);
  });

  it('explains a DNS failure', async () => {
    const { code, out } = await doctor({
      ...env,
      FANDENG_BASE_URL: 'http://fandeng-doctor.invalid',
    });

    expect(code).toBe(6);
    expect(out).toContain(
      'DNS failure: the host name fandeng-doctor.invalid could not be resolved',
    );
    expectNoSecrets(out);
  });

  it('explains a TLS failure (https:// to a server that speaks plain HTTP)', async () => {
    const { code, out } = await doctor({
      ...env,
      FANDENG_BASE_URL: emulator.url.replace('http:', 'https:'),
    });

    expect(code).toBe(7);
    expect(out).toContain('TLS failure talking to 127.0.0.1');
    expect(out).toContain('The server did not speak TLS');
    expectNoSecrets(out);
  });

  it('explains a refused connection', async () => {
    const port = await closedPort();
    const { code, out } = await doctor({ ...env, FANDENG_BASE_URL: `http://127.0.0.1:${port}` });

    expect(code).toBe(8);
    expect(out).toContain(`Connection refused by 127.0.0.1:${port}`);
    expectNoSecrets(out);
  });

  it('explains a reset connection', async () => {
    emulator.injectFault({ type: 'drop' });
    const { code, out } = await doctor(env);

    expect(code).toBe(8);
    expect(out).toContain('Connection reset');
    expectNoSecrets(out);
  });

  it('explains a timeout, within the --timeout given', async () => {
    emulator.injectFault({ type: 'delay', ms: 10_000 });
    const started = Date.now();
    const { code, out } = await doctor(env, ['--timeout', '300']);

    expect(code).toBe(9);
    expect(out).toContain('Timeout: no answer from');
    expect(out).toContain('within 300 ms');
    expect(Date.now() - started).toBeLessThan(8000);
    expectNoSecrets(out);
  });

  it('explains an HTML page instead of a token', async () => {
    emulator.injectFault({ type: 'status', status: 200, body: '<html><body>Portal</body></html>' });
    const { code, out } = await doctor(env);

    expect(code).toBe(10);
    expect(out).toContain('The token endpoint sent an HTML page instead of a token');
    expect(out).toContain('proxy, a load balancer or a captive portal');
    expectNoSecrets(out);
  });

  it('explains a 200 JSON answer without a token value', async () => {
    emulator.injectFault({ type: 'body', body: '{"expiresIn":7200}' });
    const { code, out } = await doctor(env);

    expect(code).toBe(10);
    expect(out).toContain('without a usable token');
    expectNoSecrets(out);
  });

  it('redacts the secret when the platform echoes it in an error', async () => {
    emulator.injectFault({
      type: 'body',
      status: 400,
      body: JSON.stringify({
        error: 'invalid_request',
        error_description: `bad secret ${CLIENT_SECRET}`,
      }),
    });
    const { code, out } = await doctor(env);

    expect(code).toBe(11);
    expect(out).toContain('invalid_request');
    expect(out).toContain('[redacted]');
    expectNoSecrets(out);
  });

  it('names missing and invalid variables, never their values, and sends nothing', async () => {
    const { code, out } = await doctor({
      FANDENG_CLIENT_SECRET: CLIENT_SECRET,
      FANDENG_TOKEN_PATH: 'oauth/token',
    });

    expect(code).toBe(3);
    expect(out).toContain('FANDENG_CLIENT_ID: not set');
    expect(out).toContain('FANDENG_BASE_URL: not set');
    expect(out).toContain('FANDENG_TOKEN_PATH: must start with /');
    expect(out).not.toContain('FANDENG_CLIENT_SECRET:');
    expect(emulator.counters.tokenRequests).toBe(0);
    expectNoSecrets(out);
  });

  it('has --help, and refuses an unknown command with exit code 2', async () => {
    const help = await doctor({}, ['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: nestjs-fandeng-auth doctor');
    expect(help.out).toContain('4  invalid-credentials');

    const bad = await doctor({}, ['--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--timeout must be a whole number');
  });
});

describe('nestjs-fandeng-auth doctor for a hub consumer (FANDENG_MODE=consumer)', () => {
  const KEY = 'consumer-key-0123456789abcdef';
  let emulator: FandengPlatformEmulator;
  let hub: INestApplication | undefined;

  /** A hub on 127.0.0.1 in this process; `secret` lets it fail to get a token. */
  async function startHub(secret = CLIENT_SECRET): Promise<string> {
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: secret,
          baseUrl: emulator.url,
          retry: { maxAttempts: 1 },
          logger: false,
        }),
        FandengTokenHubModule.forRoot({ apiKeys: [KEY], logger: false }),
      ],
    }).compile();
    hub = module.createNestApplication({ logger: false });
    await hub.listen(0, '127.0.0.1');
    const { port } = hub.getHttpServer().address() as AddressInfo;
    return `http://127.0.0.1:${port}/fandeng-token-hub`;
  }

  const consumer = (url: string, key = KEY) => ({
    FANDENG_MODE: 'consumer',
    FANDENG_HUB_URL: url,
    FANDENG_HUB_API_KEY: key,
  });

  beforeAll(() => {
    emptyDir = mkdtempSync(join(tmpdir(), 'fandeng-doctor-'));
  });
  afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
    await emulator.stop();
  });

  it("gets the hub's token with the consumer's key, spending no platform request of its own", async () => {
    const url = await startHub();
    const held = await hub!.get(TokenService).getAccessToken();
    const { code, out } = await doctor(consumer(url));

    expect(code).toBe(0);
    expect(out).toContain('OK: the token hub handed out a token.');
    expect(out).toContain(fingerprint(held));
    expect(emulator.counters.tokenRequests).toBe(1); // the hub's own
    expectNoSecrets(out, KEY, held);
  });

  it('explains a refused key, a hub without a token, a wrong path and no hub at all', async () => {
    const url = await startHub('wrong-secret-3c4d5e');
    const wrongKey = 'retired-key-abcdef0123456789';
    const cases = [
      { env: consumer(url, wrongKey), code: 4, says: 'The token hub refused the API key' },
      { env: consumer(url), code: 12, says: 'run doctor on the hub host' },
      { env: consumer(`${url}-nope`), code: 10, says: 'No token hub answers at' },
      {
        env: consumer(`http://127.0.0.1:${await closedPort()}/fandeng-token-hub`),
        code: 8,
        says: 'Check the scheme and port in FANDENG_HUB_URL',
      },
      {
        env: { FANDENG_MODE: 'consumer' },
        code: 3,
        says: 'FANDENG_HUB_API_KEY: not set',
      },
    ];
    for (const { env, code, says } of cases) {
      const run = await doctor(env);
      expect({ code: run.code, says: run.out.includes(says) }).toEqual({ code, says: true });
      expectNoSecrets(run.out, KEY, wrongKey, 'wrong-secret-3c4d5e');
    }
  }, 20_000); // five doctor processes in a row: 4 s alone, more beside the rest of the suite
});
