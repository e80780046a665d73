// Figure 6 in its own process (run with --expose-gc): BENCH_CYCLES forced refreshes through
// TokenService.refresh() against BENCH_URL, with heap used and active resources measured after
// a forced GC at the start (after a short warm-up) and at the end. Prints one JSON line.
import { createClient } from './clients.mjs';

const url = process.env.BENCH_URL;
const cycles = Number(process.env.BENCH_CYCLES ?? 10_000);
const timeLimitMs = Number(process.env.BENCH_TIME_LIMIT_MS ?? 120_000);
const WARMUP = 200;

function snapshot() {
  globalThis.gc();
  globalThis.gc();
  const resources = process.getActiveResourcesInfo();
  const byType = {};
  for (const type of resources) byType[type] = (byType[type] ?? 0) + 1;
  return { heapUsed: process.memoryUsage().heapUsed, activeResources: resources.length, byType };
}

async function main() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
  // 10,000 refreshes in a minute: the most the request pacer allows (a burst of 100,000).
  const client = await createClient('fandeng', url, {
    moduleOptions: { dailyTokenBudget: 10_000_000 },
  });
  const { tokens } = client;
  await tokens.getAccessToken();
  for (let i = 0; i < WARMUP; i++) await tokens.refresh();
  const start = snapshot();
  const mid = [];
  const t0 = Date.now();
  let done = 0;
  let failed = 0;
  for (; done < cycles && Date.now() - t0 < timeLimitMs; done++) {
    try {
      await tokens.refresh();
    } catch {
      failed++;
    }
    if ((done + 1) % Math.ceil(cycles / 4) === 0) mid.push(snapshot().heapUsed);
  }
  const end = snapshot();
  const status = tokens.getStatus();
  process.stdout.write(
    `${JSON.stringify({ cycles: done, failed, elapsedMs: Date.now() - t0, start, end, midHeap: mid, tokenRequests: status.tokenRequests })}\n`,
  );
  await Promise.race([client.close(), new Promise((r) => setTimeout(r, 3000))]);
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`soak-worker: ${error?.name} ${error?.code ?? ''} ${error?.message}\n`);
  process.exit(1);
});
