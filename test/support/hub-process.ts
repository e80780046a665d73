import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The built package's command line (the e2e global setup builds it). */
export const CLI_MAIN = join(process.cwd(), 'dist/libs/fandeng-auth/cli/main.js');

/** `nestjs-fandeng-auth hub --log-format json` in a child process, and what it printed. */
export interface HubProcess {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

/** Starts the hub with `env` (only, besides PATH) from `cwd` (an empty folder: no .env). */
export function spawnHub(env: Record<string, string>, cwd: string): HubProcess {
  const child = spawn(process.execPath, [CLI_MAIN, 'hub', '--log-format', 'json'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let rest = '';
  const collect = (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, lines, exited };
}

/** The hub's URL (`http://host:port/path`) from its startup line, once it listens. */
export async function hubUrl(hub: HubProcess): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = hub.lines.find((l) => l.includes('Fandeng token hub on'));
    if (line) return /on (http:\/\/\S+):/.exec(JSON.parse(line).message)![1];
    if (hub.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the hub did not start:\n${hub.lines.join('\n')}`);
}

/** Stops it by its process id (SIGTERM: it finishes in-flight requests) and waits. */
export async function stopHub(hub: HubProcess): Promise<void> {
  if (hub.child.exitCode === null && hub.child.signalCode === null) {
    process.kill(hub.child.pid!, 'SIGTERM');
    await hub.exited;
  }
}
