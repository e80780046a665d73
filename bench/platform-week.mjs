// A compressed platform week (issue 26): 64 instances in 8 processes and 2 hub replicas with 8
// hub consumers, all on one Redis Sentinel store, through seven platform days in which the
// platform changes its numbers (bench/week-schedule.mjs); side by side (at the same time, on an
// emulator of its own) the same 64 instances on per-instance memory stores, the naive baseline.
// Writes its block of BENCHMARKS.md, bench/platform-week.json and the per-request log
// bench/platform-week.ndjson.gz. Runs about 9 minutes: the week's time is compressed at two
// speeds (week-schedule.mjs). Needs the redis-server binary.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { FandengPlatformEmulator } from '../dist/bench/emulator/index.js';
import { RedisServers } from '../dist/bench/topology/support/redis-servers.js';
import { SentinelGroup } from '../dist/bench/topology/topology/sentinel-group.js';
import { CLIENT_ID, CLIENT_SECRET } from './clients.mjs';
import { WeekWorker } from './week-fleet.mjs';
import { WeekLog } from './week-log.mjs';
import { writeWeekResults } from './week-report.mjs';
import {
  EVENTS,
  FAST_SCALE,
  INITIAL,
  realMs,
  SAMPLES,
  scaleAt,
  SLOW_SCALE,
  SLOW_TOKEN_SHARE,
  WEEK_MS,
  weekSeconds,
} from './week-schedule.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const CALL_GAP_MS = Number(process.env.BENCH_WEEK_CALL_GAP_MS ?? 250);
const INSTANCE_PROCESSES = 8;
const INSTANCES_PER_PROCESS = 8;
const CONSUMERS = 8;
const HUB_REPLICAS = 2;
/** The baseline's 64 instances in fewer, bigger processes: it is there for its token count. */
const MEMORY_PROCESSES = 2;

const started = Date.now();
const log = (line) =>
  console.log(`[week ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function newEmulator(name, weekLog) {
  const emulator = new FandengPlatformEmulator({
    clients: { [CLIENT_ID]: CLIENT_SECRET },
    logger: (line) => weekLog.emulatorLine(name, line),
    tokenLifetimeSeconds: INITIAL.lifetimeS / FAST_SCALE,
    overlapSeconds: INITIAL.overlapS / FAST_SCALE,
    fractionalExpiresIn: true,
    dailyQuota: Infinity,
  });
  return { name, emulator };
}

/** Spawns the week's processes and waits until every instance has booted. */
async function startFleet(env, weekLog) {
  const onEvent = (worker, message) => weekLog.workerEvent(worker, message);
  const sentinel = { ...env.common, ...env.sentinel };
  const memory = { ...env.common, WEEK_EMULATOR_URL: env.memoryUrl };
  const workers = [];
  const add = (name, extra) => workers.push(new WeekWorker(name, extra, onEvent));
  for (let h = 0; h < HUB_REPLICAS; h++) {
    add(`hub${h}`, {
      ...sentinel,
      WEEK_ROLE: 'hub',
      WEEK_COUNT: '1',
      WEEK_HUB_PORT: env.hubPorts[h],
    });
  }
  // The hubs first: a consumer's first call asks them for the token.
  await Promise.all(workers.map((worker) => worker.ready()));
  const hubUrls = env.hubPorts.map((port) => `http://127.0.0.1:${port}/fandeng-token-hub`);
  add('c', {
    ...sentinel,
    WEEK_ROLE: 'consumers',
    WEEK_COUNT: String(CONSUMERS),
    WEEK_HUB_URLS: hubUrls.join(','),
  });
  for (let p = 0; p < INSTANCE_PROCESSES; p++) {
    add(`s${p}`, {
      ...sentinel,
      WEEK_ROLE: 'instances',
      WEEK_COUNT: String(INSTANCES_PER_PROCESS),
    });
  }
  const memoryCount = (INSTANCE_PROCESSES * INSTANCES_PER_PROCESS) / MEMORY_PROCESSES;
  for (let p = 0; p < MEMORY_PROCESSES; p++) {
    add(`m${p}`, { ...memory, WEEK_ROLE: 'instances', WEEK_COUNT: String(memoryCount) });
  }
  await Promise.all(workers.map((worker) => worker.ready()));
  return workers;
}

/** Every instance of `store` in turn, each hub replica among them, evenly over the hours given. */
async function rollingRestart(workers, store, fromMs, toMs) {
  const order = [];
  for (const worker of workers.filter((w) => w.store === store && w.role === 'instances')) {
    for (let i = 0; i < worker.count; i++) order.push([worker, i]);
  }
  const hubs = workers.filter((w) => w.store === store && w.role === 'hub');
  hubs.forEach((hub, h) => {
    order.splice(Math.round(((h + 1) * order.length) / (hubs.length + 1)), 0, [hub, 0]);
  });
  const restarts = [];
  const gap = (toMs - fromMs) / order.length;
  for (const [k, [worker, index]] of order.entries()) {
    await sleep(fromMs + k * gap - Date.now());
    restarts.push({ process: worker.name, index, ms: await worker.restart(index) });
  }
  return restarts;
}

/**
 * The platform's numbers (platform seconds) as the emulators' options at `scale`: re-applied at
 * every change, so a change of speed re-expresses the lifetime and the overlap in force.
 */
function applyPlatform(ctx, scale) {
  const { lifetimeS, overlapS, omitExpiration, slow } = ctx.platform;
  // A share of the module's refresh-ahead window (its options follow the fast scale).
  const slowMs = Math.round(SLOW_TOKEN_SHARE * ((300 / FAST_SCALE) * 1000));
  if (slow) ctx.slowTokenMs = slowMs;
  for (const { emulator } of [ctx.sentinelEmu, ctx.memoryEmu]) {
    emulator.configure({
      tokenLifetimeSeconds: lifetimeS / scale,
      overlapSeconds: overlapS / scale,
      omitExpiration,
      tokenLatencyMs: slow ? slowMs : 0,
    });
  }
}

const PLATFORM_FIELD = {
  lifetime: 'lifetimeS',
  overlap: 'overlapS',
  omitExpiration: 'omitExpiration',
  slowToken: 'slow',
};

/** Carries out one scheduled event on both emulators (and on the store, for the master kill). */
async function carryOut(event, ctx) {
  const emulators = [ctx.sentinelEmu, ctx.memoryEmu];
  const outage = ctx.outage;
  if (PLATFORM_FIELD[event.kind]) {
    ctx.platform[PLATFORM_FIELD[event.kind]] = event.value;
    return applyPlatform(ctx, scaleAt(weekSeconds(event)));
  }
  switch (event.kind) {
    case 'outage5xx':
      outage.startedAt = Date.now();
      for (const { emulator } of emulators) {
        emulator.injectFault({ type: 'status', status: 503 }, Infinity);
        emulator.injectApiFault({ type: 'status', status: 503 }, Infinity);
      }
      return undefined;
    case 'outageRefused':
      outage.refusedAt = Date.now();
      for (const { emulator } of emulators) {
        emulator.clearFaults();
        emulator.configure({ port: Number(new URL(emulator.url).port) });
        await emulator.stop();
      }
      return undefined;
    case 'outageEnd':
      for (const { name, emulator } of emulators) {
        await emulator.start();
        outage.returnedAt[name] = Date.now();
        for (const worker of ctx.workers.filter((w) => w.store === name)) {
          worker.send({ cmd: 'returned', at: outage.returnedAt[name] });
        }
      }
      return undefined;
    case 'killMaster':
      ctx.background.push(killMaster(ctx));
      return undefined;
    case 'rollingRestart': {
      const fromMs = Date.now();
      const toMs = ctx.t0 + realMs(weekSeconds({ day: event.day, hour: event.until }));
      ctx.background.push(
        Promise.all([
          rollingRestart(ctx.workers, 'sentinel', fromMs, toMs),
          rollingRestart(ctx.workers, 'memory', fromMs, toMs),
        ]).then(([sentinel, memory]) => (ctx.restarts = { sentinel, memory })),
      );
      return undefined;
    }
    default:
      throw new Error(`unknown event ${event.kind}`);
  }
}

async function killMaster(ctx) {
  const port = await ctx.group.masterPort();
  const at = Date.now();
  await ctx.group.byPort(port).kill();
  const next = await ctx.group.waitForMasterOtherThan(port);
  ctx.failover = { atMs: at - ctx.t0, newMasterAfterMs: Date.now() - at };
  log(`failover: master :${port} killed, :${next} named after ${ctx.failover.newMasterAfterMs} ms`);
}

/** The week's timeline: events, samples and day ends, at their real instants, in order. */
function timeline(t0) {
  const at = (moment) => t0 + realMs(weekSeconds(moment));
  const items = [
    ...EVENTS.map((event) => ({ at: at(event), event })),
    ...SAMPLES.map((sample) => ({ at: at(sample), sample })),
    ...[2, 3, 4, 5, 6, 7, 8].map((day) => ({ at: at({ day, hour: 0 }), dayEnd: day - 1 })),
  ];
  return items.sort((a, b) => a.at - b.at);
}

async function runWeek(ctx, weekLog) {
  for (const item of timeline(ctx.t0)) {
    await sleep(item.at - Date.now());
    if (item.event) {
      log(`day ${item.event.day} ${item.event.hour} h: ${item.event.label}`);
      await carryOut(item.event, ctx);
    } else if (item.sample) {
      for (const worker of ctx.workers) worker.sample(item.sample.tag);
      ctx.mainSamples[item.sample.tag] = mainSample();
    } else {
      weekLog.dayEnd(item.dayEnd, ctx);
      log(`day ${item.dayEnd} over: ${JSON.stringify(weekLog.days[item.dayEnd].sentinel)}`);
    }
  }
  await Promise.all(ctx.background);
}

function mainSample() {
  const cpu = process.cpuUsage();
  return { rssMb: process.memoryUsage().rss / 1048576, cpuUs: cpu.user + cpu.system };
}

async function main() {
  log(
    `a platform week in ${WEEK_MS / 1000} s (x${FAST_SCALE}, the 600 s tokens x${SLOW_SCALE}): ` +
      `${INSTANCE_PROCESSES}x${INSTANCES_PER_PROCESS} instances, ${HUB_REPLICAS} hubs, ` +
      `${CONSUMERS} consumers; the baseline's 64 in ${MEMORY_PROCESSES} processes; ` +
      `a call every ${CALL_GAP_MS} ms each`,
  );
  const gzip = createGzip();
  const logFile = createWriteStream(here('platform-week.ndjson.gz'));
  gzip.pipe(logFile);
  const weekLog = new WeekLog((line) => gzip.write(`${line}\n`));
  const servers = new RedisServers();
  const sentinelEmu = newEmulator('sentinel', weekLog);
  const memoryEmu = newEmulator('memory', weekLog);
  await sentinelEmu.emulator.start();
  await memoryEmu.emulator.start();
  const ctx = {
    sentinelEmu,
    memoryEmu,
    platform: { ...INITIAL, omitExpiration: false, slow: false },
    background: [],
    mainSamples: {},
    outage: { returnedAt: {} },
  };
  try {
    ctx.group = await SentinelGroup.start(servers);
    const { freePort } = await import('../dist/bench/topology/support/redis-servers.js');
    const env = {
      common: { WEEK_CALL_GAP_MS: String(CALL_GAP_MS) },
      sentinel: {
        WEEK_EMULATOR_URL: sentinelEmu.emulator.url,
        WEEK_SENTINELS: ctx.group.sentinels.map((s) => s.port).join(','),
        WEEK_PREFIX: `week-${randomBytes(6).toString('hex')}:`,
      },
      memoryUrl: memoryEmu.emulator.url,
      hubPorts: [String(await freePort()), String(await freePort())],
    };
    ctx.workers = await startFleet(env, weekLog);
    log(`${ctx.workers.length} processes booted`);
    ctx.t0 = Date.now() + 500;
    weekLog.begin(ctx);
    for (const worker of ctx.workers) worker.send({ cmd: 'go', t0: ctx.t0 });
    await runWeek(ctx, weekLog);
    await Promise.all(ctx.workers.map((worker) => worker.stop()));
    // The file, not only the gzip stream, must be closed before process.exit().
    const closed = new Promise((resolve) => logFile.once('close', resolve));
    gzip.end();
    await closed;
    writeWeekResults(ctx, weekLog, {
      fastScale: FAST_SCALE,
      slowScale: SLOW_SCALE,
      weekMs: WEEK_MS,
      callGapMs: CALL_GAP_MS,
      totalSeconds: Math.round((Date.now() - started) / 1000),
    });
    log('wrote BENCHMARKS.md, bench/platform-week.json and bench/platform-week.ndjson.gz');
  } finally {
    for (const worker of ctx.workers ?? []) worker.kill();
    await sentinelEmu.emulator.stop();
    await memoryEmu.emulator.stop();
    await servers.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
