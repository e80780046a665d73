// One member of the fleet in test/fleet/fleet.e2e-spec.ts: a Nest application context with
// FandengAuthModule, loading the emulator's /api/books in a few concurrent loops.
//
// Plain JavaScript on purpose: the spec runs under ts-jest, but child processes run plain Node,
// so this file imports the BUILT package (npm run build:lib, done by test/global-setup.mjs).
//
// Config comes from the environment (the secret stays out of argv, where `ps` would show it):
//   FLEET_EMULATOR_URL, FLEET_CLIENT_ID, FLEET_CLIENT_SECRET, FLEET_STORE (redis | memory),
//   REDIS_URL, FLEET_KEY_PREFIX, FLEET_DURATION_MS, FLEET_CONCURRENCY, FLEET_MAX_CALLS,
//   FLEET_REFRESH_AHEAD_SECONDS.
// stdout: one JSON line per event, then `{"summary":{...}}`; nothing else goes to stdout.
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import * as auth from '../../dist/libs/fandeng-auth/index.js';

const env = process.env;
const config = {
  emulatorUrl: required('FLEET_EMULATOR_URL'),
  clientId: required('FLEET_CLIENT_ID'),
  clientSecret: required('FLEET_CLIENT_SECRET'),
  store: env.FLEET_STORE === 'memory' ? 'memory' : 'redis',
  redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  keyPrefix: env.FLEET_KEY_PREFIX ?? `fleet-worker-${process.pid}:`,
  durationMs: number('FLEET_DURATION_MS', 10_000),
  concurrency: number('FLEET_CONCURRENCY', 4),
  // Each loop stops at this many calls even if time is left: no loop is unbounded.
  maxCalls: number('FLEET_MAX_CALLS', 200_000),
  refreshAheadSeconds: number('FLEET_REFRESH_AHEAD_SECONDS', 1),
};

/** Where a failed call's reason is tallied: at most this many distinct reasons are kept. */
const MAX_REASONS = 20;
/** The app gets this long to close before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 5_000;

const counts = { ok: 0, unauthorized: 0, failed: 0, reasons: {} };
let stopping = false;

function required(name) {
  const value = env[name];
  if (!value) fail(`missing ${name}`);
  return value;
}

function number(name, fallback) {
  if (env[name] === undefined) return fallback;
  const value = Number(env[name]);
  if (!Number.isFinite(value) || value < 0) fail(`${name} must be a non-negative number`);
  return value;
}

function fail(message) {
  process.stderr.write(`fleet-worker: ${message}\n`);
  process.exit(2);
}

/** One JSON line on stdout. Pipes are synchronous on Linux, so a line is never lost at exit. */
function emit(record) {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...record })}\n`);
}

function createStore() {
  if (config.store === 'memory') return undefined; // the module's default in-memory store
  if (typeof auth.RedisTokenStore !== 'function')
    fail('the built package exports no RedisTokenStore');
  // The store owns its connection and closes it when the app closes.
  return new auth.RedisTokenStore({ url: config.redisUrl, keyPrefix: config.keyPrefix });
}

function tally(error) {
  const status = error?.response?.status;
  if (status === 401) {
    counts.unauthorized++;
    return;
  }
  counts.failed++;
  // A code or a status, never a message: messages of some errors carry URLs.
  const reason =
    status !== undefined ? `HTTP ${status}` : String(error?.code ?? error?.name ?? 'unknown');
  if (reason in counts.reasons || Object.keys(counts.reasons).length < MAX_REASONS) {
    counts.reasons[reason] = (counts.reasons[reason] ?? 0) + 1;
  }
}

async function loop(http, deadline) {
  for (let i = 0; i < config.maxCalls && !stopping && Date.now() < deadline; i++) {
    try {
      await http.axiosRef.get('/api/books');
      counts.ok++;
    } catch (error) {
      tally(error);
    }
  }
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  process.once('SIGTERM', () => {
    stopping = true;
  });
  const app = await NestFactory.createApplicationContext(
    auth.FandengAuthModule.forRoot({
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      baseUrl: config.emulatorUrl,
      store: createStore(),
      refreshAheadSeconds: config.refreshAheadSeconds,
      // The platform's day at noon: the run's daily counts never straddle its midnight.
      budgetUtcOffsetMinutes: 720 - (new Date().getUTCHours() * 60 + new Date().getUTCMinutes()),
      logger: false,
    }),
    { logger: false },
  );
  const tokens = app.get(auth.TokenService);
  const http = app.get(HttpService);
  const subscription = tokens.events$?.subscribe((event) =>
    emit({ event: event.type, fingerprint: event.fingerprint, at: event.at?.toISOString?.() }),
  );
  if (subscription === undefined) emit({ event: 'no-events$' });
  emit({ event: 'ready' });

  const deadline = Date.now() + config.durationMs;
  await Promise.all(Array.from({ length: config.concurrency }, () => loop(http, deadline)));

  subscription?.unsubscribe();
  const { today, fleetToday } = tokens.getMetrics().tokenRequests;
  emit({ summary: { ...counts, tokenRequests: { today, fleetToday } }, stoppedEarly: stopping });
  await withTimeout(app.close(), CLOSE_TIMEOUT_MS);
  // Keep-alive sockets of axios's global agent would hold the process open a few seconds more.
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(
    `fleet-worker: ${error?.name ?? 'Error'} ${error?.code ?? ''} ${error?.message ?? ''}\n`,
  );
  emit({ summary: counts, crashed: true });
  process.exit(1);
});
