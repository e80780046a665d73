// One member of the figure 5 fleet (after test/fleet/fleet-worker.mjs): FandengAuthModule with a
// Redis or in-memory store, BENCH_CONCURRENCY loops on /api/books for BENCH_DURATION_MS.
// Prints one JSON summary line.
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import * as auth from '../dist/libs/fandeng-auth/index.js';
import { CLIENT_ID, CLIENT_SECRET, countedCall, newCallCounts } from './clients.mjs';

const env = process.env;
const durationMs = Number(env.BENCH_DURATION_MS ?? 10_000);
const concurrency = Number(env.BENCH_CONCURRENCY ?? 4);
const MAX_CALLS = 500_000;
const counts = newCallCounts();

async function loop(http, deadline) {
  for (let i = 0; i < MAX_CALLS && Date.now() < deadline; i++) {
    await countedCall(http, counts);
  }
}

async function main() {
  const store =
    env.BENCH_STORE === 'redis'
      ? new auth.RedisTokenStore({
          url: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          keyPrefix: env.BENCH_KEY_PREFIX,
        })
      : undefined;
  const app = await NestFactory.createApplicationContext(
    auth.FandengAuthModule.forRoot({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      baseUrl: env.BENCH_URL,
      store,
      refreshAheadSeconds: Number(env.BENCH_REFRESH_AHEAD_SECONDS ?? 1),
      logger: false,
    }),
    { logger: false },
  );
  const http = app.get(HttpService);
  // Start together: the parent releases all members at once through stdin.
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const deadline = Date.now() + durationMs;
  await Promise.all(Array.from({ length: concurrency }, () => loop(http, deadline)));
  process.stdout.write(`${JSON.stringify({ summary: counts })}\n`);
  await Promise.race([app.close(), new Promise((r) => setTimeout(r, 5000))]);
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`fleet-worker: ${error?.name} ${error?.code ?? ''} ${error?.message}\n`);
  process.stdout.write(`${JSON.stringify({ summary: counts, crashed: true })}\n`);
  process.exit(1);
});
