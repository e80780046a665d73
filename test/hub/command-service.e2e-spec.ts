import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
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

// The hub command as a network service: where it listens and in what order it starts, what it
// shows without a key, whom it believes about a client's address, and how it stops.
describe('npx nestjs-fandeng-auth hub as a network service', () => {
  let emulator: FandengPlatformEmulator;
  let cwd: string;
  const hubs: Hub[] = [];
  const closers: (() => void)[] = [];

  beforeEach(async () => {
    emulator = await startEmulator();
    cwd = mkdtempSync(join(tmpdir(), 'fandeng-hub-'));
  });
  afterEach(async () => {
    for (const hub of hubs.splice(0)) {
      if (hub.child.exitCode === null && hub.child.signalCode === null) {
        hub.child.kill('SIGKILL');
        await hub.exited;
      }
    }
    for (const close of closers.splice(0)) close();
    rmSync(cwd, { recursive: true, force: true });
    await emulator.stop();
  });

  const start = (extra: Record<string, string> = {}) => {
    const hub = runHub(
      {
        FANDENG_CLIENT_ID: CLIENT_ID,
        FANDENG_CLIENT_SECRET: CLIENT_SECRET,
        FANDENG_BASE_URL: emulator.url,
        FANDENG_HUB_API_KEYS: `billing=${KEY}`,
        PORT: '0',
        ...extra,
      },
      cwd,
    );
    hubs.push(hub);
    return hub;
  };

  it('refuses a PORT that is not plain decimal, and a HOST that does not resolve, with exit 3 naming the variable', async () => {
    const ports = ['0x1F9A', '1e3', ' 80', '-1', '70000', '80.0'];
    const runs = [
      ...ports.map((PORT) => start({ PORT })),
      start({ HOST: 'no-such-host.invalid' }),
      start({ HOST: 'not a host' }),
    ];
    const codes = await Promise.all(runs.map((run) => run.exited));

    expect(codes).toEqual(Array(runs.length).fill(3));
    for (const run of runs.slice(0, ports.length)) {
      expect(run.lines.join('\n')).toMatch(/PORT: must be a port number \(0-65535\)/);
    }
    expect(runs[ports.length].lines.join('\n')).toMatch(/HOST: does not resolve \(ENOTFOUND/);
    expect(runs[ports.length + 1].lines.join('\n')).toMatch(/HOST: must be an IP address/);
    expect(emulator.counters.tokenRequests).toBe(0);
  }, 30_000);

  it('refuses a consumer name over 64 characters in FANDENG_HUB_API_KEYS instead of reading it as part of the key', async () => {
    const run = start({ FANDENG_HUB_API_KEYS: `${'n'.repeat(65)}=${KEY}` });

    expect(await run.exited).toBe(3);
    const all = run.lines.join('\n');
    expect(all).toMatch(/FANDENG_HUB_API_KEYS: apiKeys\[0\] must be a consumer name of 1-64/);
    expect(all).not.toContain(KEY);
  }, 30_000);

  it('exits cannot-listen (20) on a port in use, before it spends any platform request', async () => {
    const busy = await listening();
    const run = start({ PORT: String(port(busy)) });

    expect(await run.exited).toBe(20);
    expect(run.lines.join('\n')).toMatch(
      /cannot listen on HOST 127\.0\.0\.1, PORT \d+ \(EADDRINUSE\)/,
    );
    expect(emulator.counters.tokenRequests).toBe(0);
  }, 30_000);

  it('stops within seconds of SIGTERM with a half-sent request open', async () => {
    const hub = start();
    const url = new URL(await startupUrl(hub));
    const half = await halfSent(Number(url.port));

    const sent = performance.now();
    hub.child.kill('SIGTERM');
    const code = await hub.exited;
    const took = performance.now() - sent;

    expect(code).toBe(0);
    expect(took).toBeLessThan(3_000);
    expect(half.destroyed || half.readableEnded).toBe(true);
  }, 30_000);

  it('shows up or down on /health, and no token details or consumer names without a key', async () => {
    const hub = start();
    const origin = new URL(await startupUrl(hub)).origin;
    const keyed = { headers: { Authorization: `Bearer ${KEY}` } };
    await fetch(`${origin}/fandeng-token-hub/token`, keyed); // a named consumer's pull

    const open = await fetch(`${origin}/health`);
    const detailed = await fetch(`${origin}/health`, keyed);
    const wrong = await fetch(`${origin}/health`, {
      headers: { Authorization: 'Bearer wrong-key-0123456789abc' },
    });
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    const keyedMetrics = await (await fetch(`${origin}/metrics`, keyed)).text();

    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ status: 'ok' });
    expect(await detailed.json()).toMatchObject({
      status: 'ok',
      token: { state: 'valid', fingerprint: expect.any(String), expiresAt: expect.any(String) },
    });
    expect(wrong.status).toBe(401);
    expect(metrics).toContain('fandeng_auth_token_requests_total');
    expect(metrics).not.toContain('billing');
    expect(keyedMetrics).toContain(
      'fandeng_hub_consumer_requests_total{consumer="billing",kind="token"} 1',
    );
  }, 30_000);

  it('keys the wrong-key limit on the client a trusted proxy names, and ignores X-Forwarded-For without TRUST_PROXY', async () => {
    const proxied = start({ TRUST_PROXY: 'loopback' });
    const direct = start();
    const statuses = async (hub: Hub) => {
      const url = `${await startupUrl(hub)}/token`;
      const ask = (key: string, client: string) =>
        fetch(url, { headers: { Authorization: `Bearer ${key}`, 'X-Forwarded-For': client } });
      for (let i = 0; i < 11; i++) await ask(`guess-${i}-0123456789abcdef`, '10.0.0.1');
      return [(await ask(KEY, '10.0.0.1')).status, (await ask(KEY, '10.0.0.2')).status];
    };

    // Behind the proxy, the guesser is locked out and the honest client is not.
    expect(await statuses(proxied)).toEqual([429, 200]);
    // Without TRUST_PROXY the header is a client's word: every request is 127.0.0.1's.
    expect(await statuses(direct)).toEqual([429, 429]);
  }, 30_000);

  it('refuses TRUST_PROXY=true (any client could pick its address) with exit 3', async () => {
    const run = start({ TRUST_PROXY: 'true' });
    expect(await run.exited).toBe(3);
    expect(run.lines.join('\n')).toMatch(/TRUST_PROXY: true would believe any client/);
  }, 30_000);

  /** A TCP server on a free loopback port, closed after the test. */
  async function listening(): Promise<Server> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    return server;
  }

  /** A connection that sent half a request's headers and waits. */
  async function halfSent(portNumber: number): Promise<Socket> {
    const socket = connect(portNumber, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ');
    await new Promise((resolve) => setTimeout(resolve, 100)); // the hub has read it
    closers.push(() => socket.destroy());
    return socket;
  }
});

function port(server: Server): number {
  return (server.address() as { port: number }).port;
}
