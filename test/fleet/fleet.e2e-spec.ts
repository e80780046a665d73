import { randomUUID } from 'node:crypto';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  deleteRedisKeys,
  eventCounts,
  runFleet,
  totals,
  type FleetControl,
  type FleetEvent,
  type FleetOptions,
  type FleetResult,
} from './fleet-runner.js';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';

// Issue 4: "one token for the whole fleet". Separate Node processes (test/fleet/fleet-worker.mjs,
// importing the built package) share the token through Redis under continuous load.
const LIFETIME_SECONDS = 3;
const OVERLAP_SECONDS = 1;
const REFRESH_AHEAD_SECONDS = 1;
const PROCESSES = 4;
const CONCURRENCY = 4;

const SHARED_RUN_MS = 12_000; // six refresh cycles: enough to see two holders in one (issue 24 made the suite shorter)
const KILL_RUN_MS = 12_000;
const NAIVE_RUN_MS = 6_000;
/** The lock holder is killed at its first refresh after the run is this old. */
const KILL_AFTER_MS = 4_000;
/** A slow token endpoint, so the holder dies while its refresh is in flight. */
const SLOW_TOKEN_LATENCY_MS = 400;
/** From the holder's refresh-started to the kill: its request is then at the platform. */
const KILL_DELAY_MS = 150;
/** Per test: the run, the workers' boot and close, and the cleanup. */
const TEST_TIMEOUT_MS = 60_000;

/**
 * A holder refreshes REFRESH_AHEAD_SECONDS before expiry (jitter only makes it later), so one
 * token serves the fleet for at least this long: the cycle of a single process, and of the fleet.
 */
const REFRESH_CYCLE_SECONDS = LIFETIME_SECONDS - REFRESH_AHEAD_SECONDS;

/**
 * One platform token call per refresh cycle for the whole fleet, plus one. (Issue 4 words it as
 * "one per lifetime plus one", ceil(duration / 3) + 1; with a refresh 1 s ahead of a 3 s expiry
 * even a single process calls every 2-2.2 s, so that figure is printed, not asserted.)
 */
function maxTokenCalls(durationMs: number): number {
  return Math.ceil(durationMs / 1000 / REFRESH_CYCLE_SECONDS) + 1;
}
function perLifetimeBound(durationMs: number): number {
  return Math.ceil(durationMs / 1000 / LIFETIME_SECONDS) + 1;
}

/** Smallest time between two platform calls of the fleet, from the workers' own clocks. */
function shortestRefreshGapMs(events: FleetEvent[]): number {
  const starts = events
    .filter((e) => e.event === 'refresh-started' && e.at !== undefined)
    .map((e) => Date.parse(e.at!))
    .sort((a, b) => a - b);
  return Math.min(...starts.slice(1).map((at, i) => at - starts[i]));
}

const figures = new Map<string, FleetResult>();
const notes = new Map<string, string>();
/** FLEET_VERBOSE=1 prints every run's event lines too, not only those of a failed run. */
const VERBOSE = process.env.FLEET_VERBOSE === '1';

function report(name: string, result: FleetResult): string {
  const sum = totals(result.members);
  return [
    `${name}: ${PROCESSES} processes x ${CONCURRENCY} loops, ${(result.durationMs / 1000).toFixed(1)} s`,
    `(${(result.durationMs / 1000 / LIFETIME_SECONDS).toFixed(1)} token lifetimes)`,
    `| token calls ${result.counters.tokenRequests} (issued ${result.counters.tokensIssued}, errors ${result.counters.tokenErrors};`,
    `bound per ${REFRESH_CYCLE_SECONDS} s cycle ${maxTokenCalls(result.durationMs)}, per ${LIFETIME_SECONDS} s lifetime ${perLifetimeBound(result.durationMs)})`,
    `| shortest gap between refreshes ${shortestRefreshGapMs(result.events)} ms`,
    `| ok ${sum.ok}, 401 at callers ${sum.unauthorized}, failed ${sum.failed}${sum.failed ? ` ${JSON.stringify(sum.reasons)}` : ''}`,
    `| emulator apiOk ${result.counters.apiOk}, apiUnauthorized ${result.counters.apiUnauthorized}`,
    `| longest stall ${result.longestStallMs} ms | events ${JSON.stringify(eventCounts(result.events))}`,
  ].join(' ');
}

/** What to show when a run went wrong: exits, stderr, and the event lines in order. */
function diagnose(result: FleetResult): string {
  const members = result.members.map(
    (m) =>
      `pid ${m.pid}: code ${m.code} signal ${m.signal} summary ${JSON.stringify(m.summary)} ${m.stderr.trim()}`,
  );
  const events = result.events.map(
    (e) => `${String(e.t).padStart(6)} ms pid ${e.pid} ${e.event} ${e.fingerprint ?? ''}`,
  );
  return [...members, ...events].join('\n');
}

/** Runs `assertions`; a failure carries the run's figures and event lines with it. */
function explain(name: string, result: FleetResult, assertions: () => void): void {
  try {
    assertions();
  } catch (error) {
    if (error instanceof Error) error.message += `\n\n${report(name, result)}\n${diagnose(result)}`;
    throw error;
  }
}

describe('a fleet of processes sharing one token through Redis (issue 4)', () => {
  let emulator: FandengPlatformEmulator;
  let keyPrefix: string;

  const fleet = (options: Pick<FleetOptions, 'store' | 'durationMs'> & Partial<FleetOptions>) =>
    runFleet({
      emulator,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      keyPrefix,
      processes: PROCESSES,
      concurrency: CONCURRENCY,
      refreshAheadSeconds: REFRESH_AHEAD_SECONDS,
      ...options,
    });

  beforeEach(async () => {
    emulator = await startEmulator({
      tokenLifetimeSeconds: LIFETIME_SECONDS,
      overlapSeconds: OVERLAP_SECONDS,
    });
    keyPrefix = `fleet-test-${randomUUID()}:`;
  });
  afterEach(async () => {
    await emulator.stop();
    await deleteRedisKeys(keyPrefix);
  });
  afterAll(() => {
    if (figures.size > 0)
      console.log(
        [...figures]
          .map(([name, result]) =>
            [report(name, result), notes.get(name), VERBOSE ? diagnose(result) : undefined]
              .filter((line) => line !== undefined)
              .join('\n  '),
          )
          .join('\n'),
      );
  });

  it(
    'makes one token call per refresh cycle for the whole fleet, with no failed call',
    async () => {
      const name = 'shared fleet (Redis)';
      const result = await fleet({ store: 'redis', durationMs: SHARED_RUN_MS });
      figures.set(name, result);
      const sum = totals(result.members);

      explain(name, result, () => {
        expect(result.members.map((m) => [m.code, m.summary !== undefined])).toEqual(
          Array(PROCESSES).fill([0, true]),
        );
        expect(sum.ok).toBeGreaterThan(100);
        expect({ unauthorized: sum.unauthorized, failed: sum.failed }).toEqual({
          unauthorized: 0,
          failed: 0,
        });
        expect(result.counters.tokenRequests).toBeGreaterThanOrEqual(2); // it did rotate
        expect(result.counters.tokenRequests).toBeLessThanOrEqual(maxTokenCalls(result.durationMs));
        // One holder per cycle: two processes refreshing together would be ms apart, not seconds.
        expect(shortestRefreshGapMs(result.events)).toBeGreaterThan(REFRESH_CYCLE_SECONDS * 500);
        // The daily budget sees the fleet: its count in Redis is the platform's count, give or
        // take the refresh at the very end of the run.
        const own = result.members.map((m) => m.summary!.tokenRequests!.today);
        const fleetToday = Math.max(
          ...result.members.map((m) => m.summary!.tokenRequests!.fleetToday ?? 0),
        );
        // ±1: a request counted as it left, whose process stopped before the platform saw it.
        expect(
          Math.abs(own.reduce((a, b) => a + b, 0) - result.counters.tokenRequests),
        ).toBeLessThanOrEqual(1);
        expect(Math.abs(fleetToday - result.counters.tokenRequests)).toBeLessThanOrEqual(1);
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps serving with no failed call when the lock holder is killed mid-refresh',
    async () => {
      const name = 'shared fleet, holder killed';
      emulator.configure({ tokenLatencyMs: SLOW_TOKEN_LATENCY_MS });
      let victim: { pid: number; t: number; apiOk: number; tokenRequests: number } | undefined;
      let killer: NodeJS.Timeout | undefined;
      const killHolder = (event: FleetEvent, control: FleetControl) => {
        if (killer !== undefined || event.event !== 'refresh-started' || event.t < KILL_AFTER_MS)
          return;
        killer = setTimeout(() => {
          const { apiOk, tokenRequests } = emulator.counters;
          victim = { pid: event.pid, t: control.elapsed(), apiOk, tokenRequests };
          control.kill(event.pid, 'SIGKILL');
        }, KILL_DELAY_MS);
      };
      const result = await fleet({ store: 'redis', durationMs: KILL_RUN_MS, onEvent: killHolder });
      clearTimeout(killer);
      figures.set(name, result);
      const takeover = result.events.find(
        (e) => e.event === 'refresh-started' && e.pid !== victim?.pid && e.t > (victim?.t ?? 0),
      );
      notes.set(
        name,
        `holder pid ${victim?.pid} killed at ${victim?.t} ms, ${KILL_DELAY_MS} ms after its refresh-started ` +
          `(token calls so far ${victim?.tokenRequests}); ` +
          `next refresh-started: pid ${takeover?.pid} at ${takeover?.t} ms`,
      );
      const survivors = result.members.filter((m) => m.pid !== victim?.pid);
      const sum = totals(survivors);

      explain(name, result, () => {
        expect(victim).toBeDefined();
        expect(result.members.find((m) => m.pid === victim!.pid)?.signal).toBe('SIGKILL');
        expect(survivors.map((m) => [m.code, m.summary !== undefined])).toEqual(
          Array(PROCESSES - 1).fill([0, true]),
        );
        // Another process took the lock over and refreshed after the holder died.
        expect(takeover).toBeDefined();
        expect(result.counters.apiOk).toBeGreaterThan(victim!.apiOk + 100); // still serving after it
        expect({ unauthorized: sum.unauthorized, failed: sum.failed }).toEqual({
          unauthorized: 0,
          failed: 0,
        });
        expect(result.counters.tokenRequests).toBeLessThanOrEqual(maxTokenCalls(result.durationMs));
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'contrast: without a shared store every process refreshes on its own, and makes more token calls',
    async () => {
      const name = 'naive fleet (in-memory store)';
      const result = await fleet({ store: 'memory', durationMs: NAIVE_RUN_MS });
      figures.set(name, result);

      explain(name, result, () => {
        expect(result.members.map((m) => [m.code, m.summary !== undefined])).toEqual(
          Array(PROCESSES).fill([0, true]),
        );
        // Only what is certain: more calls than the shared fleet is allowed in the same time
        // (which the first test holds it to). The 401s depend on timing: reported, not asserted.
        expect(result.counters.tokenRequests).toBeGreaterThan(maxTokenCalls(result.durationMs));
      });
    },
    TEST_TIMEOUT_MS,
  );
});
