import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(process.cwd(), 'dist/libs/fandeng-auth/cli/main.js');
export interface Hub {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

/** `nestjs-fandeng-auth hub --log-format json` with `env` (only), from an empty folder (no .env). */
export function runHub(env: Record<string, string>, cwd: string): Hub {
  const child = spawn(process.execPath, [MAIN, 'hub', '--log-format', 'json'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let rest = '';
  const collect = (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const parts = text.split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, lines, exited };
}

export async function startupUrl(hub: Hub): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = hub.lines.find((l) => l.includes('Fandeng token hub on'));
    if (line) return /on (http:\/\/\S+):/.exec(JSON.parse(line).message)![1];
    if (hub.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the hub did not start:\n${hub.lines.join('\n')}`);
}
