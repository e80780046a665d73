// A compressed platform day (issue 17): 16 instances through one platform day (24 h of 2 h tokens)
// scaled into DAY_MS, with a rolling restart of every instance and one Sentinel failover; side by
// side (at the same time, each on an emulator of its own) with the same day on per-instance memory
// stores. Writes its block of BENCHMARKS.md and bench/platform-day.json.
// BENCH_DAY_MS=60000 shortens the day (for trying it out). Needs the redis-server binary.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import { FandengAuthModule, RedisTokenStore } from '../dist/libs/fandeng-auth/index.js';
import { FandengPlatformEmulator } from '../dist/bench/emulator/index.js';
import { RedisServers } from '../dist/bench/topology/support/redis-servers.js';
import { SentinelGroup } from '../dist/bench/topology/topology/sentinel-group.js';
import { CLIENT_ID, CLIENT_SECRET, countedCall, newCallCounts } from './clients.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const DAY_MS = Number(process.env.BENCH_DAY_MS ?? 240_000);
/** Real seconds per compressed second: a 24 h day in DAY_MS. */
const SCALE = 86_400_000 / DAY_MS;
const INSTANCES = 16;
/** The platform's numbers, compressed: a 2 h token, a 5 min overlap; the module's 5 min ahead. */
const LIFETIME_S = 7200 / SCALE;
const OVERLAP_S = 300 / SCALE;
const REFRESH_AHEAD_S = 300 / SCALE;
/** The physical limit: one request per token lifetime; the goal allows the first fetch on top. */
const LIFETIMES = Math.round(86_400 / 7200);
/** Each instance's business call rate: one every CALL_GAP_MS, sequentially. */
const CALL_GAP_MS = 50;
/** The rolling restart runs from 6:00 to 18:00 of the platform day, one instance at a time. */
const RESTARTS_FROM = 0.25;
const RESTARTS_TO = 0.75;
/** The Redis master is killed at 13:00 (not aligned with any refresh on purpose). */
const FAILOVER_AT = 13 / 24;

const t0 = Date.now();
const log = (line) =>
  console.log(`[day ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One app instance: the module (its HttpService) and a loop of business calls. */
async function bootInstance(emulator, store) {
  const app = await NestFactory.createApplicationContext(
    FandengAuthModule.forRoot({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      baseUrl: emulator.url,
      store,
      refreshAheadSeconds: REFRESH_AHEAD_S,
      minRefreshIntervalSeconds: 0,
      // The pacer spreads the budget over a real day; the compressed day measures the store.
      dailyTokenBudget: 10_000_000,
      logger: false,
    }),
    { logger: false },
  );
  return { app, http: app.get(HttpService) };
}

/** A day of one kind: `storeFor()` gives each (re)started instance its store. */
async function runDay(name, emulator, storeFor, onSchedule) {
  const counts = newCallCounts();
  const dayEnd = t0 + DAY_MS;
  const slots = [];

  const callLoop = async (slot) => {
    while (Date.now() < dayEnd) {
      const current = slot.instance;
      if (current === undefined) {
        await sleep(10); // restarting: this instance takes no calls meanwhile
        continue;
      }
      let done;
      slot.inFlight = new Promise((resolve) => (done = resolve));
      await countedCall(current.http, counts);
      done();
      await sleep(CALL_GAP_MS);
    }
  };

  for (let i = 0; i < INSTANCES; i++) {
    const store = storeFor();
    slots.push({ instance: await bootInstance(emulator, store.store), close: store.close });
  }
  const loops = slots.map((slot) => callLoop(slot));

  // Rolling restart: each instance in turn is drained (no new calls; the one in flight ends, as a
  // load balancer drains it), closed, and booted again.
  const restarts = (async () => {
    const gap = ((RESTARTS_TO - RESTARTS_FROM) * DAY_MS) / INSTANCES;
    await sleep(t0 + RESTARTS_FROM * DAY_MS - Date.now());
    for (const slot of slots) {
      const old = slot.instance;
      slot.instance = undefined;
      await slot.inFlight;
      await old.app.close();
      await slot.close?.();
      const store = storeFor();
      slot.instance = await bootInstance(emulator, store.store);
      slot.close = store.close;
      await sleep(gap);
    }
  })();
  const scheduled = onSchedule?.();
  await Promise.all([...loops, restarts, scheduled]);
  for (const slot of slots) {
    await slot.instance?.app.close();
    await slot.close?.();
  }
  log(`${name}: ${JSON.stringify({ counts, emulator: emulator.counters })}`);
  return { counts, tokenRequests: emulator.counters.tokenRequests };
}

/** The moments (ms into the day) at which each emulator was asked for a token. */
const tokenRequestTimes = new Map();

function newEmulator(name) {
  const times = [];
  tokenRequestTimes.set(name, times);
  return new FandengPlatformEmulator({
    clients: { [CLIENT_ID]: CLIENT_SECRET },
    logger: (line) => {
      if (/^POST \S*token/i.test(line)) times.push(Date.now() - t0);
    },
    tokenLifetimeSeconds: LIFETIME_S,
    overlapSeconds: OVERLAP_S,
    dailyQuota: Infinity,
  });
}

async function main() {
  log(
    `a platform day in ${DAY_MS / 1000} s (x${Math.round(SCALE)}): tokens of ${LIFETIME_S.toFixed(1)} s, ` +
      `overlap ${OVERLAP_S.toFixed(2)} s, ${INSTANCES} instances, a call every ${CALL_GAP_MS} ms each`,
  );
  const servers = new RedisServers();
  const sentinelEmu = newEmulator('sentinel');
  const memoryEmu = newEmulator('memory');
  await sentinelEmu.start();
  await memoryEmu.start();
  const prefix = `day-${randomBytes(6).toString('hex')}:`;
  const failover = {};
  try {
    const group = await SentinelGroup.start(servers);
    const sentinelStore = () => {
      const client = group.client();
      return {
        store: new RedisTokenStore({ client, keyPrefix: prefix }),
        close: async () => client.disconnect(),
      };
    };
    const killMaster = async () => {
      await sleep(t0 + FAILOVER_AT * DAY_MS - Date.now());
      const port = await group.masterPort();
      const at = Date.now();
      await group.byPort(port).kill();
      const next = await group.waitForMasterOtherThan(port);
      failover.newMasterAfterMs = Date.now() - at;
      failover.atDayMs = at - t0;
      log(`failover: master :${port} killed, :${next} named after ${failover.newMasterAfterMs} ms`);
    };
    const [sentinelDay, memoryDay] = await Promise.all([
      runDay('Sentinel store', sentinelEmu, sentinelStore, killMaster),
      runDay('memory stores', memoryEmu, () => ({ store: undefined })),
    ]);
    writeResults({ sentinelDay, memoryDay, failover });
  } finally {
    await sentinelEmu.stop();
    await memoryEmu.stop();
    await servers.stop();
  }
}

function writeResults(results) {
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    dayMs: DAY_MS,
    totalSeconds: Math.round((Date.now() - t0) / 1000),
  };
  const times = Object.fromEntries(tokenRequestTimes);
  times.memory = times.memory.length; // hundreds: the count says it
  writeFileSync(
    here('platform-day.json'),
    `${JSON.stringify({ meta, ...results, tokenRequestTimes: times }, null, 2)}\n`,
  );
  const { sentinelDay: s, memoryDay: m, failover } = results;
  const calls = (c) => c.ok + c.unauthorized + c.failed;
  const table = [
    '| the day | 16 instances, Sentinel store | 16 instances, memory stores | goal |',
    '| --- | --- | --- | --- |',
    `| platform token requests (physical limit ${LIFETIMES}) | ${s.tokenRequests} | ${m.tokenRequests} | ≤ ${LIFETIMES + 1} |`,
    `| business calls | ${calls(s.counts)} | ${calls(m.counts)} | |`,
    `| failed business calls | ${s.counts.failed} | ${m.counts.failed} | 0 |`,
    `| 401s reaching callers | ${s.counts.unauthorized} | ${m.counts.unauthorized} | 0 |`,
  ].join('\n');
  const begin = '<!-- bench:day:start -->';
  const end = '<!-- bench:day:end -->';
  const block =
    `${begin}\nLast run: ${meta.date}, Node ${meta.node}, ${meta.cpus} CPUs, a day in ` +
    `${DAY_MS / 1000} s, ${meta.totalSeconds} s in all. Failover at ` +
    `${((failover.atDayMs / DAY_MS) * 24).toFixed(1)} h of the day: new master named after ` +
    `${failover.newMasterAfterMs} ms (${((failover.newMasterAfterMs * SCALE) / 60_000).toFixed(0)} ` +
    `platform minutes at this compression).\n\n${table}\n${end}`;
  const mdPath = here('../BENCHMARKS.md');
  let md = readFileSync(mdPath, 'utf8');
  if (!md.includes(begin)) md += `\n${begin}\n${end}\n`;
  md = md.slice(0, md.indexOf(begin)) + block + md.slice(md.indexOf(end) + end.length);
  writeFileSync(mdPath, md);
  console.log(`\n${table}\n`);
  log('wrote BENCHMARKS.md and bench/platform-day.json');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
