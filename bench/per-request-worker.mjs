// Figure 2's measurement, in one process of its own (the emulator runs in the parent, so the CPU
// counted here is the clients' alone): every client below sends GET /api/books with the same
// token, in paired slices of BENCH_SLICE_MS each, the clients' order rotating from round to
// round, with BENCH_CONCURRENCY requests in flight. Two byte-identical copies of each floor are
// the noise gauge: their ratio is what "no difference" looks like on this machine today.
// Prints one JSON line: per client, requests, milliseconds and CPU microseconds, per round.
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { firstValueFrom } from 'rxjs';
import { createClient } from './clients.mjs';

const env = process.env;
const url = env.BENCH_URL;
const concurrency = Number(env.BENCH_CONCURRENCY ?? 1);
const sliceMs = Number(env.BENCH_SLICE_MS ?? 500);
const rounds = Number(env.BENCH_ROUNDS ?? 6);
const only = env.BENCH_CLIENTS?.split(',');
const API = '/api/books';

const client = await createClient('fandeng', url);
const token = await client.getToken();
const headers = { Authorization: `Bearer ${token}` };
const module = client.http;

// The floors: the same stack without the module, the header fixed by hand.
const nest = new HttpService(axios.create({ baseURL: url }));
const nestCopy = new HttpService(axios.create({ baseURL: url }));
const plain = axios.create({ baseURL: url });
const plainCopy = axios.create({ baseURL: url });

const all = {
  // (a) the README's way against Nest's own HttpService with a fixed header
  'nest-httpservice': () => firstValueFrom(nest.get(API, { headers })),
  'nest-httpservice (copy)': () => firstValueFrom(nestCopy.get(API, { headers })),
  'module httpservice': () => firstValueFrom(module.get(API)),
  // (b) the module's axiosRef against plain axios with a fixed header
  'plain axios': () => plain.get(API, { headers }),
  'plain axios (copy)': () => plainCopy.get(API, { headers }),
  'module axiosRef': () => module.axiosRef.get(API),
};
const clients = Object.entries(all).filter(([name]) => !only || only.includes(name));

async function slice(request) {
  let requests = 0;
  let failed = 0;
  const deadline = performance.now() + sliceMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      try {
        await request();
        requests++;
      } catch {
        failed++;
      }
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const cpu = process.cpuUsage(cpu0);
  return { requests, failed, ms: performance.now() - t0, cpuUs: cpu.user + cpu.system };
}

// Warm-up: every client, unmeasured, so the JIT has seen each path.
for (const [, request] of clients) await slice(request);

const results = Object.fromEntries(clients.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const order = clients.map((_, i) => clients[(i + round) % clients.length]);
  for (const [name, request] of order) results[name].push(await slice(request));
}
await client.close();
process.stdout.write(`${JSON.stringify({ concurrency, sliceMs, rounds, results })}\n`);
