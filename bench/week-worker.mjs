// One process of the compressed platform week (issue 26, bench/platform-week.mjs): WEEK_COUNT app
// instances (WEEK_ROLE=instances), hub consumers (consumers) or one hub replica (hub), each
// making business calls on the emulator's API from the parent's `go` until its `stop`.
// Speaks JSON lines: commands on stdin, events and answers on stdout.
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import * as auth from '../dist/libs/fandeng-auth/index.js';
import { CLIENT_ID, CLIENT_SECRET } from './clients.mjs';
import { dayAtMs, FAST_SCALE } from './week-schedule.mjs';

const env = process.env;
const ROLE = env.WEEK_ROLE;
const NAME = env.WEEK_NAME;
const COUNT = Number(env.WEEK_COUNT ?? 1);
/** The module's time settings follow the week's fast stretch (see week-schedule.mjs). */
const SCALE = FAST_SCALE;
const CALL_GAP_MS = Number(env.WEEK_CALL_GAP_MS ?? 200);
const SENTINELS = (env.WEEK_SENTINELS ?? '').split(',').filter(Boolean).map(Number);
export const HUB_KEY = 'bench-week-hub-key-0123456789';
const CALL_TIMEOUT_MS = 10_000;

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

/** The module's warnings and errors, per slot, to the week's log (they never hold a token). */
const MAX_LOG_LINES = 3000;
let logLines = 0;
function slotLogger(slot) {
  const line = (level) => (message) => {
    if (++logLines > MAX_LOG_LINES) return;
    const text = message instanceof Error ? message.message : String(message);
    send({ event: 'log', slot: `${NAME}-${slot}`, level, message: text.slice(0, 400) });
  };
  // Of the info lines, only the store's (back after a failure): each refresh logs one too.
  const info = line('log');
  const log = (message) => (/store/i.test(String(message)) ? info(message) : undefined);
  return { log, warn: line('warn'), error: line('error') };
}

/**
 * The module's options with every platform-time setting compressed by SCALE, as an operator's
 * defaults would be on the real clock: 300 s ahead but at most a tenth of the lifetime (the
 * default's share, given since the seconds are), 10 s minimum age, the retry policy, the pacers'
 * daily budgets (each within the option's bounds). The recovery probe cannot go below
 * its floor of 1 s.
 */
function moduleOptions(store, slot) {
  return {
    baseUrl: env.WEEK_EMULATOR_URL,
    store,
    refreshAheadSeconds: 300 / SCALE,
    refreshAheadShare: 0.1,
    minRefreshIntervalSeconds: 10 / SCALE,
    retry: {
      initialDelayMs: Math.max(1, 500 / SCALE),
      maxDelayMs: Math.max(1, 10_000 / SCALE),
      maxCooldownMs: Math.max(1, 300_000 / SCALE),
    },
    // The pacer's default 2000 a day, compressed (the option's ceiling is 10 million).
    dailyTokenBudget: Math.min(10_000_000, Math.round(2000 * SCALE)),
    recoveryProbeIntervalMs: 1000,
    // The baseline's instances warn of every rejected token: thousands of lines saying the same.
    logger: SENTINELS.length > 0 ? slotLogger(slot) : false,
  };
}

/** A Sentinel client as the README shows it (the store does not own it), or none for memory. */
function newStore(slot) {
  if (SENTINELS.length === 0) return { store: undefined, close: async () => undefined };
  const client = new Redis({
    sentinels: SENTINELS.map((port) => ({ host: '127.0.0.1', port })),
    name: 'fandeng',
    failoverDetector: true,
    retryStrategy: (times) => Math.min(times * 50, 500),
  });
  watchClient(client, slot);
  const store = new auth.RedisTokenStore({ client, keyPrefix: env.WEEK_PREFIX });
  return { store, close: async () => client.disconnect() };
}

/**
 * The ioredis client's own story (connected, reconnecting, each new error text once) in the week's
 * log: after a failover it tells a client that never found the new master from a module that
 * never asked it again.
 */
function watchClient(client, slot) {
  const logger = slotLogger(slot);
  let lastError;
  client.on('error', (error) => {
    if (error?.message === lastError) return;
    lastError = error?.message;
    logger.warn(`ioredis error: ${lastError}`);
  });
  client.on('ready', () => {
    lastError = undefined;
    logger.warn(`ioredis ready (:${client.stream?.remotePort})`);
  });
}

async function bootInstance(slot) {
  const { store, close } = newStore(slot);
  const app = await NestFactory.createApplicationContext(
    auth.FandengAuthModule.forRoot({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      ...moduleOptions(store, slot),
    }),
    { logger: false, abortOnError: false },
  );
  return { http: app.get(HttpService), close: async () => (await app.close(), await close()) };
}

async function bootConsumer(slot) {
  const app = await NestFactory.createApplicationContext(
    auth.FandengAuthModule.forRoot({
      hub: {
        url: env.WEEK_HUB_URLS.split(','),
        apiKey: HUB_KEY,
        // The default pace of 17280 a day, compressed like the platform's day.
        requestsPerDay: Math.min(10_000_000, Math.round(17_280 * SCALE)),
      },
      ...moduleOptions(undefined, slot),
    }),
    { logger: false, abortOnError: false },
  );
  return { http: app.get(HttpService), close: () => app.close() };
}

/** A hub replica: the module on the shared store, and the hub on a fixed port (for restarts). */
async function bootHub(slot) {
  const { store, close } = newStore(slot);
  class HubApp {}
  // Plain JavaScript has no decorator syntax: the decorator is applied as a function.
  Module({
    imports: [
      auth.FandengAuthModule.forRoot({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        ...moduleOptions(store, slot),
      }),
      auth.FandengTokenHubModule.forRoot({
        apiKeys: [HUB_KEY],
        minRefreshIntervalSeconds: 60 / SCALE,
        logger: false,
      }),
    ],
  })(HubApp);
  const app = await NestFactory.create(HubApp, { logger: false, abortOnError: false });
  await app.listen(Number(env.WEEK_HUB_PORT), '127.0.0.1');
  return { http: undefined, close: async () => (await app.close(), await close()) };
}

const boot = { instances: bootInstance, consumers: bootConsumer, hub: bootHub }[ROLE];

/** Per-day counts of business calls, by the day the call started in. */
const days = {};
const countsFor = (day) => (days[day] ??= { ok: 0, callerUnauthorized: 0, failed: 0, reasons: {} });
let calls = 0;
/** After the platform's return: the first successful call's end, per slot. */
let returnedAt;
const backAt = [];

async function call(slot, clock) {
  const started = Date.now();
  const counts = countsFor(dayAtMs(started - clock.t0));
  let outcome;
  try {
    await slot.instance.http.axiosRef.get(`/api/books/${NAME}-${slot.index}`, {
      timeout: CALL_TIMEOUT_MS,
    });
    outcome = 'ok';
  } catch (error) {
    const status = error?.response?.status;
    outcome = status !== undefined ? `HTTP ${status}` : String(error?.code ?? error?.name);
  }
  const ended = Date.now();
  calls++;
  if (outcome === 'ok') {
    counts.ok++;
    if (returnedAt !== undefined && backAt[slot.index] === undefined && started >= returnedAt) {
      backAt[slot.index] = ended;
    }
    return;
  }
  if (outcome === 'HTTP 401') counts.callerUnauthorized++;
  else {
    counts.failed++;
    counts.reasons[outcome] = (counts.reasons[outcome] ?? 0) + 1;
  }
  send({ event: 'fail', slot: `${NAME}-${slot.index}`, started, ended, outcome });
}

async function callLoop(slot, clock) {
  while (!clock.stopped) {
    if (slot.instance === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 10)); // restarting: no calls meanwhile
      continue;
    }
    let done;
    slot.inFlight = new Promise((resolve) => (done = resolve));
    await call(slot, clock);
    done();
    await new Promise((resolve) => setTimeout(resolve, CALL_GAP_MS));
  }
}

/** Drained (no new call; the one in flight ends), closed, booted again. */
async function restart(slot) {
  const started = Date.now();
  const old = slot.instance;
  slot.instance = undefined;
  await slot.inFlight;
  await old.close();
  slot.instance = await boot(slot.index);
  return Date.now() - started;
}

function sample() {
  const cpu = process.cpuUsage();
  return { rssMb: process.memoryUsage().rss / 1048576, cpuUs: cpu.user + cpu.system, calls };
}

async function main() {
  const slots = [];
  for (let index = 0; index < COUNT; index++) slots.push({ index, instance: await boot(index) });
  send({ ready: true, pid: process.pid });
  const clock = { stopped: false };
  const loops = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line);
    if (command.cmd === 'go') {
      clock.t0 = command.t0;
      if (ROLE !== 'hub') loops.push(...slots.map((slot) => callLoop(slot, clock)));
    } else if (command.cmd === 'restart') {
      send({ restarted: command.index, ms: await restart(slots[command.index]) });
    } else if (command.cmd === 'sample') {
      send({ sample: { tag: command.tag, ...sample() } });
    } else if (command.cmd === 'returned') {
      returnedAt = command.at;
    } else if (command.cmd === 'stop') {
      clock.stopped = true;
      await Promise.all(loops);
      const recovered = slots.map((slot) => backAt[slot.index] ?? null);
      send({ summary: { days, calls, recovered, final: sample() } });
      await Promise.race([
        Promise.all(slots.map((slot) => slot.instance?.close())),
        new Promise((resolve) => setTimeout(resolve, 5000)),
      ]);
      process.exit(0);
    }
  }
}

main().catch((error) => {
  // Synchronous: process.exit() would drop an asynchronous write to a pipe.
  writeSync(2, `week-worker ${NAME}: ${error?.name} ${error?.code ?? ''} ${error?.message}\n`);
  process.exit(1);
});
