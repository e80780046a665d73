// Figure 2's client process: ONE client in a process of its own, as a user's app runs it, driven
// slice by slice over IPC by bench/run.mjs (the emulator runs there). At start it makes the cold
// start a real app makes: BENCH_COLD_START requests at once, which for the module's clients all
// wait for the first token. Then, on each { cmd: 'slice', ms, concurrency }, it runs load for
// `ms` and answers { requests, failed, ms, cpuUs }. The token for the floors' fixed header comes
// in BENCH_TOKEN (the environment, never argv).
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { firstValueFrom } from 'rxjs';
import { createClient } from './clients.mjs';

const env = process.env;
const url = env.BENCH_URL;
const name = env.BENCH_CLIENT;
const API = '/api/books';
const headers = { Authorization: `Bearer ${env.BENCH_TOKEN}` };

/** The client named `name` (a copy's name ends in " (copy)": the same code, a second process). */
async function request(kind) {
  switch (kind) {
    case 'plain axios': {
      const plain = axios.create({ baseURL: url });
      return { get: () => plain.get(API, { headers }) };
    }
    case 'nest-httpservice': {
      const nest = new HttpService(axios.create({ baseURL: url }));
      return { get: () => firstValueFrom(nest.get(API, { headers })) };
    }
    case 'nest fetch': {
      // The global fetch in a process that runs an (empty) Nest application, as a Nest user's does.
      const [{ Module }, { NestFactory }] = await Promise.all([
        import('@nestjs/common'),
        import('@nestjs/core'),
      ]);
      class AppModule {}
      Module({})(AppModule);
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      const plainFetch = await request('plain fetch');
      return { get: plainFetch.get, close: () => app.close() };
    }
    case 'plain fetch':
      return {
        get: async () => {
          const res = await fetch(url + API, { headers });
          await res.arrayBuffer();
          return res;
        },
      };
    case 'module httpservice':
    case 'module axiosRef':
    case 'module fetch': {
      const client = await createClient('fandeng', url);
      const via = {
        'module httpservice': () => firstValueFrom(client.http.get(API)),
        'module axiosRef': () => client.http.axiosRef.get(API),
        'module fetch': async () => {
          const res = await client.fetch.fetch(API);
          await res.arrayBuffer();
          return res;
        },
      };
      return { get: via[kind], close: client.close };
    }
    default:
      throw new Error(`unknown client ${kind}`);
  }
}

const client = await request(name.replace(/ \(copy\)$/, ''));

async function slice(ms, concurrency) {
  let requests = 0;
  let failed = 0;
  const deadline = performance.now() + ms;
  const loop = async () => {
    for (let n = 0; n < 1_000_000 && performance.now() < deadline; n++) {
      try {
        const res = await client.get();
        if (res.status === 200) requests++;
        else failed++;
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

// The cold start: every request of the burst is sent at once.
const cold = Number(env.BENCH_COLD_START ?? 1000);
const burst = await Promise.allSettled(Array.from({ length: cold }, () => client.get()));
const coldFailed = burst.filter((r) => r.status === 'rejected' || r.value.status !== 200).length;

process.on('message', async (message) => {
  if (message.cmd === 'slice') process.send(await slice(message.ms, message.concurrency));
  if (message.cmd === 'exit') {
    await Promise.race([client.close?.(), new Promise((r) => setTimeout(r, 3000))]);
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true, coldStart: cold, coldFailed });
