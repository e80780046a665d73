// One measured load run in its own process (figures 2 and 4): BENCH_CLIENT against
// BENCH_URL/api/books with BENCH_CONCURRENCY loops for BENCH_DURATION_MS (each loop also capped
// at BENCH_MAX_CALLS), after BENCH_WARMUP_MS of unmeasured load. Prints one JSON line.
// The secret and tokens stay in the environment, never in argv.
import { createClient } from './clients.mjs';

const env = process.env;
const name = env.BENCH_CLIENT;
const url = env.BENCH_URL;
const concurrency = Number(env.BENCH_CONCURRENCY ?? 1);
const durationMs = Number(env.BENCH_DURATION_MS ?? 2000);
const warmupMs = Number(env.BENCH_WARMUP_MS ?? 500);
const maxCalls = Number(env.BENCH_MAX_CALLS ?? 1_000_000);

const counts = { ok: 0, unauthorized: 0, otherStatus: 0, failed: 0, reasons: {} };

async function loop(client, deadline, measure) {
  for (let i = 0; i < maxCalls && Date.now() < deadline; i++) {
    try {
      const status = await client.request();
      if (!measure) continue;
      if (status === 200) counts.ok++;
      else if (status === 401) counts.unauthorized++;
      else {
        counts.otherStatus++;
        counts.reasons[`HTTP ${status}`] = (counts.reasons[`HTTP ${status}`] ?? 0) + 1;
      }
    } catch (error) {
      if (!measure) continue;
      counts.failed++;
      const reason = String(error?.code ?? error?.name ?? 'unknown');
      counts.reasons[reason] = (counts.reasons[reason] ?? 0) + 1;
    }
  }
}

async function main() {
  const moduleOptions = {};
  if (env.BENCH_REFRESH_AHEAD_SECONDS)
    moduleOptions.refreshAheadSeconds = Number(env.BENCH_REFRESH_AHEAD_SECONDS);
  const client = await createClient(name, url, {
    token: env.BENCH_TOKEN || undefined,
    moduleOptions,
  });
  if (warmupMs > 0) {
    const until = Date.now() + warmupMs;
    await Promise.all(Array.from({ length: concurrency }, () => loop(client, until, false)));
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = Date.now() + durationMs;
  await Promise.all(Array.from({ length: concurrency }, () => loop(client, deadline, true)));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const calls = counts.ok + counts.unauthorized + counts.otherStatus + counts.failed;
  process.stdout.write(
    `${JSON.stringify({
      client: name,
      concurrency,
      calls,
      ...counts,
      elapsedMs,
      rps: (calls / elapsedMs) * 1000,
      cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, calls),
    })}\n`,
  );
  await Promise.race([client.close(), new Promise((r) => setTimeout(r, 3000))]);
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(
    `load-worker ${name}: ${error?.name} ${error?.code ?? ''} ${error?.message}\n`,
  );
  process.exit(1);
});
