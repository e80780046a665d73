import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EmulatorCounters, FandengPlatformEmulator } from 'fandeng-emulator';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const WORKER = fileURLToPath(new URL('./fleet-worker.mjs', import.meta.url));
/** A worker still running this long after its load ends is killed, so a hang fails the test. */
const HARD_TIMEOUT_MARGIN_MS = 20_000;
/** How often the emulator's `apiOk` is sampled to find the longest stretch with no served call. */
const SAMPLE_EVERY_MS = 100;
/** stderr kept per worker, for the failure message. */
const MAX_STDERR_CHARS = 4_000;

/** A JSON line a worker printed, stamped with the time the spec read it. */
export interface FleetEvent {
  pid: number;
  event: string;
  fingerprint?: string;
  at?: string;
  /** Milliseconds since the start of the run. */
  t: number;
}

export interface WorkerSummary {
  ok: number;
  unauthorized: number;
  failed: number;
  reasons: Record<string, number>;
  /** The member's `getMetrics().tokenRequests` at the end of its load (absent after a crash). */
  tokenRequests?: { today: number; fleetToday: number | null };
}

export interface MemberResult {
  pid: number;
  summary?: WorkerSummary;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface FleetResult {
  durationMs: number;
  members: MemberResult[];
  events: FleetEvent[];
  /** The emulator's counters at the end, counted from the start of the run. */
  counters: Omit<EmulatorCounters, 'tokenRequestsByClient'>;
  /** Longest time after the first served call in which the emulator served none (sampled). */
  longestStallMs: number;
}

export interface FleetControl {
  /** Milliseconds since the start of the run. */
  elapsed(): number;
  kill(pid: number, signal: NodeJS.Signals): void;
}

export interface FleetOptions {
  emulator: FandengPlatformEmulator;
  clientId: string;
  clientSecret: string;
  store: 'redis' | 'memory';
  keyPrefix: string;
  processes: number;
  durationMs: number;
  /** Concurrent request loops in each process. */
  concurrency: number;
  refreshAheadSeconds: number;
  /** Called for every event line as it arrives. */
  onEvent?: (event: FleetEvent, fleet: FleetControl) => void;
}

/**
 * Runs `processes` workers against the emulator for `durationMs` and collects what they print.
 * The emulator's counters are reset first, so they count this run only.
 */
export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const { emulator } = options;
  emulator.resetCounters();
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const events: FleetEvent[] = [];
  const children = new Map<number, ChildProcess>();
  const control: FleetControl = {
    elapsed,
    kill: (pid, signal) => children.get(pid)?.kill(signal),
  };

  // Counted from the first served call: the workers' boot is not a stall.
  let lastOk = 0;
  let lastProgressAt: number | undefined;
  let longestStallMs = 0;
  let loadEnded = false; // set by the first summary: the end of the load is not a stall either
  const sampler = setInterval(() => {
    if (loadEnded) return;
    const now = elapsed();
    if (emulator.counters.apiOk > lastOk) {
      lastOk = emulator.counters.apiOk;
      lastProgressAt = now;
    }
    if (lastProgressAt !== undefined)
      longestStallMs = Math.max(longestStallMs, now - lastProgressAt);
  }, SAMPLE_EVERY_MS);

  const env = {
    ...process.env,
    FLEET_EMULATOR_URL: emulator.url,
    FLEET_CLIENT_ID: options.clientId,
    FLEET_CLIENT_SECRET: options.clientSecret,
    FLEET_STORE: options.store,
    REDIS_URL,
    FLEET_KEY_PREFIX: options.keyPrefix,
    FLEET_DURATION_MS: String(options.durationMs),
    FLEET_CONCURRENCY: String(options.concurrency),
    FLEET_REFRESH_AHEAD_SECONDS: String(options.refreshAheadSeconds),
  };
  const runs = Array.from({ length: options.processes }, () =>
    runWorker(env, options.durationMs + HARD_TIMEOUT_MARGIN_MS, children, (record, pid) => {
      if ('summary' in record) {
        loadEnded = true;
        return;
      }
      const event = { ...(record as Omit<FleetEvent, 't'>), pid, t: elapsed() };
      events.push(event);
      options.onEvent?.(event, control);
    }),
  );
  try {
    const members = await Promise.all(runs);
    // The loops end at the deadline, but in-flight calls and the last samples come after it.
    const durationMs = elapsed();
    const { tokenRequestsByClient: _, ...counters } = emulator.counters;
    return { durationMs, members, events, counters: { ...counters }, longestStallMs };
  } finally {
    clearInterval(sampler);
  }
}

function runWorker(
  env: NodeJS.ProcessEnv,
  hardTimeoutMs: number,
  children: Map<number, ChildProcess>,
  onRecord: (record: Record<string, unknown>, pid: number) => void,
): Promise<MemberResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid === undefined) {
      child.once('error', reject);
      return;
    }
    children.set(pid, child);
    const result: MemberResult = { pid, code: null, signal: null, stderr: '' };
    const killer = setTimeout(() => child.kill('SIGKILL'), hardTimeoutMs);

    let pending = '';
    const onLine = (line: string) => {
      if (line.trim() === '') return;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        result.stderr += `[stdout] ${line}\n`;
        return;
      }
      if ('summary' in record) result.summary = record.summary as WorkerSummary;
      onRecord(record, pid);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (result.stderr.length < MAX_STDERR_CHARS)
        result.stderr += chunk.slice(0, MAX_STDERR_CHARS);
    });
    child.once('error', (error) => {
      clearTimeout(killer);
      reject(error);
    });
    // 'close' comes after stdout and stderr have ended, so every line has been read.
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      onLine(pending);
      children.delete(pid);
      resolve({ ...result, code, signal });
    });
  });
}

/** Deletes every key under `prefix` (SCAN + DEL, bounded) and closes the connection. */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    for (let i = 0; i < 10_000; i++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    await redis.quit();
  }
  return deleted;
}

/** Sum of the workers' summaries; a worker without one (killed, crashed) adds nothing. */
export function totals(members: MemberResult[]): WorkerSummary {
  const sum: WorkerSummary = { ok: 0, unauthorized: 0, failed: 0, reasons: {} };
  for (const { summary } of members) {
    if (!summary) continue;
    sum.ok += summary.ok;
    sum.unauthorized += summary.unauthorized;
    sum.failed += summary.failed;
    for (const [reason, n] of Object.entries(summary.reasons))
      sum.reasons[reason] = (sum.reasons[reason] ?? 0) + n;
  }
  return sum;
}

/** How many events of each type the fleet printed. */
export function eventCounts(events: FleetEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { event } of events) counts[event] = (counts[event] ?? 0) + 1;
  return counts;
}
