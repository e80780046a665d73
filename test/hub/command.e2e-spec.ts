import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  hubUrl as startupUrl,
  spawnHub as runHub,
  type HubProcess as Hub,
} from '../support/hub-process.js';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';

const KEY = 'billing-key-0123456789abcdef';
const OTHER_KEY = 'reports-key-fedcba9876543210';
const sha256 = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;

describe('npx nestjs-fandeng-auth hub (issue 18)', () => {
  let emulator: FandengPlatformEmulator;
  let cwd: string;
  let hub: Hub | undefined;

  beforeEach(async () => {
    emulator = await startEmulator();
    cwd = mkdtempSync(join(tmpdir(), 'fandeng-hub-'));
  });
  afterEach(async () => {
    if (hub && hub.child.exitCode === null) {
      hub.child.kill('SIGKILL');
      await hub.exited;
    }
    hub = undefined;
    rmSync(cwd, { recursive: true, force: true });
    await emulator.stop();
  });

  const environment = (extra: Record<string, string> = {}) => ({
    FANDENG_CLIENT_ID: CLIENT_ID,
    FANDENG_CLIENT_SECRET: CLIENT_SECRET,
    FANDENG_BASE_URL: emulator.url,
    FANDENG_HUB_API_KEYS: `billing=${sha256(KEY)}, ${OTHER_KEY}`,
    PORT: '0',
    ...extra,
  });

  it('starts from the environment, serves the token by key, health and metrics, and stops at SIGTERM', async () => {
    hub = runHub(environment(), cwd);
    const url = await startupUrl(hub);
    const origin = new URL(url).origin;

    const refused = await fetch(`${url}/token`);
    const token = await fetch(`${url}/token`, { headers: { Authorization: `Bearer ${KEY}` } });
    const other = await fetch(`${url}/token`, {
      headers: { Authorization: `Bearer ${OTHER_KEY}` },
    });
    const keyed = { headers: { Authorization: `Bearer ${KEY}` } };
    const health = await fetch(`${origin}/health`, keyed);
    const metrics = await fetch(`${origin}/metrics`, keyed);

    expect(refused.status).toBe(401);
    expect(token.status).toBe(200);
    const { value } = (await token.json()) as { value: string };
    expect(emulator.isValid(value)).toBe(true);
    expect(((await other.json()) as { value: string }).value).toBe(value);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', token: { state: 'valid' } });
    const exposition = await metrics.text();
    expect(exposition).toContain('fandeng_auth_token_requests_total');
    expect(exposition).toContain(
      'fandeng_hub_consumer_requests_total{consumer="billing",kind="token"} 1',
    );
    expect(exposition).toContain(
      'fandeng_hub_consumer_requests_total{consumer="unnamed",kind="token"} 1',
    );
    expect(emulator.counters.tokenRequests).toBe(1);

    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    const port = Number(new URL(url).port);
    const released = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(false));
      socket.once('error', () => resolve(true));
    });
    expect(released).toBe(true);
    const parsed = hub.lines.filter((line) => line.startsWith('{')).map((l) => JSON.parse(l));
    expect(parsed.length).toBe(hub.lines.filter((line) => line.trim()).length); // JSON only
    expect(parsed.map((p) => p.message)).toContainEqual(expect.stringMatching(/^SIGTERM: /));
    const all = hub.lines.join('\n');
    for (const secret of [CLIENT_SECRET, KEY, OTHER_KEY, value]) expect(all).not.toContain(secret);
  }, 30_000);

  it('exits with the invalid-environment code, naming each bad variable and never its value', async () => {
    const short = 'short-key';
    hub = runHub(
      environment({
        FANDENG_CLIENT_SECRET: ' padded-secret ',
        FANDENG_HUB_API_KEYS: short,
        PORT: 'x',
      }),
      cwd,
    );

    expect(await hub.exited).toBe(3);
    const all = hub.lines.join('\n');
    expect(all).toMatch(/FANDENG_CLIENT_SECRET: /);
    expect(all).toMatch(/FANDENG_HUB_API_KEYS: apiKeys\[0\] must be at least 16 characters/);
    expect(all).toMatch(/PORT: must be a port number/);
    expect(all).not.toContain('padded-secret');
    expect(all).not.toContain(short);
  }, 30_000);
});
