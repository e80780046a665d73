// The week's figures (issue 26): per day and per process, against the targets; written to
// bench/platform-week.json and between the bench:week markers of BENCHMARKS.md.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { dayLabel, physicalLimit, weekAllowance } from './week-schedule.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const DAYS = [1, 2, 3, 4, 5, 6, 7];
const round = (n, digits = 0) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const sum = (values) => values.reduce((a, b) => a + b, 0);

/** The business calls of `day` of one store's calling workers (of one role, if given). */
function callsOf(workers, store, day, role) {
  const days = workers
    .filter((w) => w.store === store && w.role !== 'hub' && (role === undefined || w.role === role))
    .map((w) => w.summary.days[day] ?? { ok: 0, callerUnauthorized: 0, failed: 0, reasons: {} });
  const reasons = {};
  for (const d of days) {
    for (const [why, n] of Object.entries(d.reasons)) reasons[why] = (reasons[why] ?? 0) + n;
  }
  const total = (key) => sum(days.map((d) => d[key]));
  return {
    ok: total('ok'),
    callerUnauthorized: total('callerUnauthorized'),
    failed: total('failed'),
    reasons,
  };
}

/** Milliseconds from the platform's return to the last slot's first successful call. */
function recovery(ctx, store, role) {
  const returned = ctx.outage.returnedAt[store];
  const times = ctx.workers
    .filter((w) => w.store === store && w.role === role)
    .flatMap((w) => w.summary.recovered);
  if (returned === undefined || times.length === 0) return null;
  return times.includes(null) ? null : Math.max(...times) - returned;
}

function dayFigures(ctx, weekLog, store, day) {
  const calls = callsOf(ctx.workers, store, day);
  const { startedAt, returnedAt } = ctx.outage;
  const inOutage = (f) => f.started >= startedAt && f.started < returnedAt[store];
  const failures = weekLog.failures.filter((f) => f.store === store && f.day === day);
  const outside = (role) => failures.filter((f) => !inOutage(f) && f.role === role).length;
  const byRole = (role) => callsOf(ctx.workers, store, day, role);
  const emulator = weekLog.days[day]?.[store] ?? {};
  const instances = day === 5 ? recovery(ctx, store, 'instances') : null;
  const consumers = day === 5 && store === 'sentinel' ? recovery(ctx, store, 'consumers') : null;
  return {
    day,
    changes: dayLabel(day),
    tokenRequests: emulator.tokenRequests,
    physicalLimit: physicalLimit(day),
    probes: emulator.probes,
    businessCalls: calls.ok + calls.callerUnauthorized + calls.failed,
    failedCalls: calls.failed,
    failedCallsOutsideOutage: failures.filter((f) => !inOutage(f)).length,
    failureReasons: calls.reasons,
    ...(store === 'sentinel' && {
      instances: {
        failedCallsOutsideOutage: outside('instances'),
        callerUnauthorized: byRole('instances').callerUnauthorized,
        failureReasons: byRole('instances').reasons,
      },
      consumers: {
        failedCallsOutsideOutage: outside('consumers'),
        callerUnauthorized: byRole('consumers').callerUnauthorized,
        failureReasons: byRole('consumers').reasons,
      },
      moduleLogLines: weekLog.days[day]?.moduleLines ?? 0,
    }),
    callerUnauthorized: calls.callerUnauthorized,
    apiUnauthorized: emulator.apiUnauthorized,
    ...(store === 'sentinel' && {
      max401InARow: weekLog.days[day]?.max401InARow ?? 0,
      slotsWith401InARow: [...(weekLog.days[day]?.slotsPast1 ?? [])],
    }),
    recoveryMs:
      day === 5
        ? instances === null || (consumers === null && store === 'sentinel')
          ? null
          : Math.max(instances, consumers ?? 0)
        : null,
    ...(day === 5 && { recoveryInstancesMs: instances, recoveryConsumersMs: consumers }),
  };
}

/** Per process: RSS and CPU per business call after day 1's warm-up and on day 7. */
function processFigures(ctx) {
  const window = (samples, from, to, calls) => {
    const a = samples[from];
    const b = samples[to];
    if (!a || !b) return null;
    const n = calls(a, b);
    return n > 0 ? round((b.cpuUs - a.cpuUs) / n, 1) : null;
  };
  const consumerCalls = (from, to) => {
    const c = ctx.workers.find((w) => w.role === 'consumers');
    return c.samples[to].calls - c.samples[from].calls;
  };
  const allCalls = (from, to) =>
    sum(ctx.workers.map((w) => (w.samples[to]?.calls ?? 0) - (w.samples[from]?.calls ?? 0)));
  const figure = (name, role, store, instances, samples, calls) => ({
    process: name,
    role,
    store,
    instances,
    rssStartMb: round(samples.startTo?.rssMb ?? null, 1),
    rssEndMb: round(samples.endTo?.rssMb ?? null, 1),
    cpuPerCallStartUs: window(samples, 'startFrom', 'startTo', calls('startFrom', 'startTo')),
    cpuPerCallEndUs: window(samples, 'endFrom', 'endTo', calls('endFrom', 'endTo')),
  });
  const rows = ctx.workers.map((w) => {
    const calls =
      w.role === 'hub'
        ? (from, to) => () => consumerCalls(from, to)
        : () => (a, b) => b.calls - a.calls;
    return figure(w.name, w.role, w.store, w.role === 'hub' ? 0 : w.count, w.samples, calls);
  });
  rows.push(
    figure('main', 'emulators', 'both', 0, ctx.mainSamples, (f, t) => () => allCalls(f, t)),
  );
  return rows.map((row) => ({
    ...row,
    rssChangePct: pct(row.rssStartMb, row.rssEndMb),
    cpuPerCallChangePct: pct(row.cpuPerCallStartUs, row.cpuPerCallEndUs),
  }));
}

const pct = (a, b) => (a && b !== null ? round(((b - a) / a) * 100, 1) : null);

function targets(days, processes) {
  const allowance = weekAllowance();
  const tokenRequests = sum(days.map((d) => d.tokenRequests));
  const recoveryMs = days[4].recoveryMs;
  return {
    tokenRequests: {
      value: tokenRequests,
      allowed: allowance.allowed,
      met: tokenRequests <= allowance.allowed,
    },
    failedCallsOutsideOutage: sum(days.map((d) => d.failedCallsOutsideOutage)),
    callerUnauthorized: sum(days.map((d) => d.callerUnauthorized)),
    max401InARow: Math.max(...days.map((d) => d.max401InARow)),
    recoveryMs: { value: recoveryMs, met: recoveryMs !== null && recoveryMs <= 2000 },
    rssWithin5Pct: processes.every((p) => p.rssChangePct !== null && Math.abs(p.rssChangePct) <= 5),
    cpuPerCallWithin5Pct: processes.every(
      (p) => p.cpuPerCallChangePct !== null && Math.abs(p.cpuPerCallChangePct) <= 5,
    ),
    physicalLimit: allowance.physicalLimit,
  };
}

export function writeWeekResults(ctx, weekLog, run) {
  const days = DAYS.map((day) => dayFigures(ctx, weekLog, 'sentinel', day));
  const baseline = DAYS.map((day) => dayFigures(ctx, weekLog, 'memory', day));
  const processes = processFigures(ctx);
  const restarts = ctx.restarts?.sentinel ?? [];
  const summary = {
    instances: 64,
    hubReplicas: 2,
    hubConsumers: 8,
    meta: { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...run },
    targets: targets(days, processes),
    days,
    processes,
    baseline: { instances: 64, store: 'memory (one per instance)', days: baseline },
    slowTokenMs: ctx.slowTokenMs,
    outage: {
      startedAtMs: ctx.outage.startedAt - ctx.t0,
      refusedAtMs: ctx.outage.refusedAt - ctx.t0,
      returnedAtMs: ctx.outage.returnedAt.sentinel - ctx.t0,
    },
    failover: ctx.failover ?? null,
    rollingRestart: {
      restarts: restarts.length,
      longestMs: restarts.length > 0 ? Math.max(...restarts.map((r) => r.ms)) : null,
    },
    log: 'bench/platform-week.ndjson.gz',
  };
  writeFileSync(here('platform-week.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeMarkdown(summary);
  return summary;
}

function writeMarkdown(s) {
  const t = s.targets;
  const rows = s.days.map((d, i) => {
    const b = s.baseline.days[i];
    const back = d.recoveryMs === null ? (d.day === 5 ? 'never' : '') : `${d.recoveryMs} ms`;
    return (
      `| ${d.day} | ${d.changes} | ${d.tokenRequests} | ${d.physicalLimit} | ${d.failedCalls} | ` +
      `${d.failedCallsOutsideOutage} (${d.instances.failedCallsOutsideOutage} / ${d.consumers.failedCallsOutsideOutage}) | ` +
      `${d.callerUnauthorized} (${d.instances.callerUnauthorized} / ${d.consumers.callerUnauthorized}) | ${d.apiUnauthorized} | ` +
      `${d.max401InARow} | ${back} | ${b.tokenRequests} / ${b.callerUnauthorized} / ${b.failedCalls} |`
    );
  });
  const week = `| week | | ${t.tokenRequests.value} (allowed ${t.tokenRequests.allowed}) | ${t.physicalLimit} | ${sum(s.days.map((d) => d.failedCalls))} | ${t.failedCallsOutsideOutage} | ${t.callerUnauthorized} | ${sum(s.days.map((d) => d.apiUnauthorized))} | ${t.max401InARow} | | ${sum(s.baseline.days.map((d) => d.tokenRequests))} / ${sum(s.baseline.days.map((d) => d.callerUnauthorized))} / ${sum(s.baseline.days.map((d) => d.failedCalls))} |`;
  const table = [
    '| day | the platform | token requests | physical limit | failed calls | failed outside the outage (instances / consumers) | 401s reaching callers (instances / consumers) | 401s at the API | most 401s in a row (one slot) | back after the outage | memory baseline: token requests / 401s reaching callers / failed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    week,
  ].join('\n');
  const processRows = s.processes.map(
    (p) =>
      `| ${p.process} | ${p.role}, ${p.store} | ${p.instances} | ${p.rssStartMb} → ${p.rssEndMb} (${p.rssChangePct} %) | ` +
      `${p.cpuPerCallStartUs} → ${p.cpuPerCallEndUs} (${p.cpuPerCallChangePct} %) |`,
  );
  const processTable = [
    '| process | role, store | instances | RSS MB, day 1 → day 7 | CPU µs per business call, day 1 → day 7 |',
    '| --- | --- | --- | --- | --- |',
    ...processRows,
  ].join('\n');
  const m = s.meta;
  const begin = '<!-- bench:week:start -->';
  const end = '<!-- bench:week:end -->';
  const failover = s.failover
    ? `new master named after ${s.failover.newMasterAfterMs} ms`
    : 'no failover recorded';
  const block =
    `${begin}\nLast run: ${m.date}, Node ${m.node}, ${m.cpus} CPUs, the week in ${m.weekMs / 1000} s ` +
    `(x${m.fastScale}; from day 4 04:00 to day 7 05:00, the 600 s tokens, x${m.slowScale}), ` +
    `${m.totalSeconds} s in all; a business call every ${m.callGapMs} ms ` +
    `per instance and consumer. 64 instances (8 processes) and 2 hub replicas with 8 consumers on ` +
    `one Sentinel store; the baseline: the same 64 instances on memory stores, at the same time. ` +
    `Slow token request: ${s.slowTokenMs} ms. Outage day 5; ${failover}; rolling restart of ` +
    `${s.rollingRestart.restarts} (longest ${s.rollingRestart.longestMs} ms).\n\n${table}\n\n` +
    `${processTable}\n${end}`;
  const mdPath = here('../BENCHMARKS.md');
  let md = readFileSync(mdPath, 'utf8');
  if (!md.includes(begin)) md += `\n${begin}\n${end}\n`;
  md = md.slice(0, md.indexOf(begin)) + block + md.slice(md.indexOf(end) + end.length);
  writeFileSync(mdPath, md);
  console.log(`\n${table}\n\n${processTable}\n`);
}
