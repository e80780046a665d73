import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';

/** Is the `redis-server` binary on the PATH? The topology suites need it. */
export const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0;

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port whose Cluster bus port (+10000) is free too, so any server may use it.
 * Ports handed out in one run are remembered, so two servers started together never share one.
 */
const handedOut = new Set<number>();
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 35_000);
    if (handedOut.has(port)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port pair found');
}

/** One redis-server process of the test's own, on 127.0.0.1. */
export class RedisProcess {
  constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    readonly output: string[],
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A new client to this server (the caller disconnects it). */
  client(options: RedisOptions = {}): Redis {
    return new Redis({ host: '127.0.0.1', port: this.port, maxRetriesPerRequest: 1, ...options });
  }

  /** Kills the process by its id, as a crash would, and waits until it is gone. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    process.kill(this.pid, 'SIGKILL');
    await exited;
  }
}

/**
 * The servers of one test: each started from the `redis-server` binary on a free loopback port,
 * with its files in a temporary folder, and all stopped by process id in `stop()`. The machine's
 * own Redis (6379) is never touched.
 */
export class RedisServers {
  readonly dir = mkdtempSync(join(tmpdir(), 'fandeng-redis-'));
  private readonly processes: RedisProcess[] = [];

  /**
   * A server with `args` (after the port, bind and no-persistence flags; a function of the port
   * where they name it); resolves once it answers a PING. `probe` are the client options that
   * reach it (TLS, a user).
   */
  async server(
    extra: string[] | ((port: number) => string[]) = [],
    probe: RedisOptions = {},
  ): Promise<RedisProcess> {
    const port = await freePort();
    const args = typeof extra === 'function' ? extra(port) : extra;
    const base = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    const started = this.spawn(port, [...base, '--dir', this.dir, ...args]);
    await this.answering(started, { port, ...probe });
    return started;
  }

  /** A sentinel whose configuration is `lines` (the port and bind are added). */
  async sentinel(lines: string[]): Promise<RedisProcess> {
    const port = await freePort();
    const file = join(this.dir, `sentinel-${port}.conf`);
    writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', ...lines, ''].join('\n'));
    const started = this.spawn(port, [file, '--sentinel']);
    await this.answering(started, { port });
    return started;
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((server) => server.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(port: number, args: string[]): RedisProcess {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const started = new RedisProcess(port, child, output);
    this.processes.push(started);
    return started;
  }

  private async answering(server: RedisProcess, options: RedisOptions): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (!server.alive) break;
      const probe = new Redis({
        host: '127.0.0.1',
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        ...options,
      });
      probe.on('error', () => undefined);
      const up = await probe
        .connect()
        .then(() => probe.ping())
        .then(
          () => true,
          () => false,
        );
      probe.disconnect();
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on ${server.port} did not start:\n${server.output.join('')}`);
  }
}

/** Polls `check` every 50 ms until it is true, for at most `ms`; throws naming `what`. */
export async function until(check: () => Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
