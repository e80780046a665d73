// What the week saw, as it happens: the per-request log (NDJSON: every token request of both
// emulators, every business call of the Sentinel fleet the API did not answer 200, every failed
// business call), per-day emulator counters, and per calling slot the longest run of 401s in a
// row at the API (a slot holding a token the platform no longer accepts for more than one call).
import { CLIENT_ID } from './clients.mjs';
import { dayAtMs } from './week-schedule.mjs';

const LINE = /^(\S+) (\S+) -> (\S+) \((\d+) ms\)$/;
const API_PATH = '/api/books/';
/** Per-request lines of one kind beyond this many a day are counted, not written. */
const MAX_LINES_PER_DAY = 60_000;

function counterSnapshot(counters) {
  return {
    tokenRequests: counters.tokenRequestsByClient[CLIENT_ID] ?? 0,
    probes: counters.tokenRequests - (counters.tokenRequestsByClient[CLIENT_ID] ?? 0),
    tokensIssued: counters.tokensIssued,
    tokenErrors: counters.tokenErrors,
    apiRequests: counters.apiRequests,
    apiUnauthorized: counters.apiUnauthorized,
  };
}

const minus = (a, b) => Object.fromEntries(Object.keys(a).map((key) => [key, a[key] - b[key]]));

export class WeekLog {
  constructor(write) {
    this.write = write;
    /** Per day: emulator counter deltas, 401 runs, lines written. */
    this.days = {};
    this.failures = [];
    this.runs = new Map();
    this.previous = {};
    this.t0 = undefined;
  }

  begin(ctx) {
    this.t0 = ctx.t0;
  }

  /** Platform day of a real instant (0 before the week starts). */
  dayAt(t) {
    return this.t0 === undefined ? 0 : dayAtMs(t - this.t0);
  }

  day(day) {
    return (this.days[day] ??= { lines: 0, unwritten: 0, max401InARow: 0, slotsPast1: new Set() });
  }

  line(day, record) {
    const entry = this.day(day);
    if (entry.lines >= MAX_LINES_PER_DAY) {
      entry.unwritten++;
      return;
    }
    entry.lines++;
    this.write(
      JSON.stringify({ t: this.t0 === undefined ? 0 : Date.now() - this.t0, d: day, ...record }),
    );
  }

  emulatorLine(emu, text) {
    const match = LINE.exec(text);
    if (!match) return;
    const [, method, path, outcome, ms] = match;
    const day = this.dayAt(Date.now());
    if (!path.startsWith(API_PATH)) {
      this.line(day, { emu, req: `${method} ${path}`, out: outcome, ms: Number(ms) });
      return;
    }
    if (emu !== 'sentinel') return; // the baseline's 401s are counted, too many to list
    const slot = path.slice(API_PATH.length);
    const run = outcome === '401' ? (this.runs.get(slot) ?? 0) + 1 : 0;
    this.runs.set(slot, run);
    if (run > 0) {
      const entry = this.day(day);
      entry.max401InARow = Math.max(entry.max401InARow, run);
      if (run > 1) entry.slotsPast1.add(slot);
    }
    if (outcome !== '200') this.line(day, { emu, req: 'api', slot, out: outcome, ms: Number(ms) });
  }

  workerEvent(worker, message) {
    if (message.event === 'log') {
      const day = this.dayAt(Date.now());
      const entry = this.day(day);
      entry.moduleLines = (entry.moduleLines ?? 0) + 1;
      this.line(day, {
        emu: worker.store,
        req: 'module',
        slot: message.slot,
        out: message.level,
        message: message.message,
      });
      return;
    }
    if (message.event !== 'fail') return;
    const day = this.dayAt(message.started);
    // A 401 that reached the caller is counted as such, not as a failed call.
    if (message.outcome !== 'HTTP 401') {
      this.failures.push({ store: worker.store, role: worker.role, day, started: message.started });
    } else if (worker.store === 'memory') {
      return; // the baseline's 401s reaching callers are tens of thousands: counted, not listed
    }
    this.line(day, {
      emu: worker.store,
      req: 'call',
      slot: message.slot,
      out: message.outcome,
      ms: message.ended - message.started,
    });
  }

  /** Closes `day`: the emulators' counters since the day before. */
  dayEnd(day, ctx) {
    const entry = this.day(day);
    for (const { name, emulator } of [ctx.sentinelEmu, ctx.memoryEmu]) {
      const now = counterSnapshot(emulator.counters);
      entry[name] = minus(now, this.previous[name] ?? minus(now, now));
      this.previous[name] = now;
    }
  }
}
