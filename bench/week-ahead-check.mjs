// Side check for the week's report (issue 26): how many token requests one instance makes on
// 600 s tokens with the module's default refresh-ahead of 300 s, compressed x100 (a 6 s token,
// 3 s ahead), against the physical limit of one per lifetime. Prints one JSON line.
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import { FandengAuthModule } from '../dist/libs/fandeng-auth/index.js';
import { FandengPlatformEmulator } from '../dist/bench/emulator/index.js';
import { CLIENT_ID, CLIENT_SECRET } from './clients.mjs';

const SCALE = 100;
const RUN_MS = Number(process.env.AHEAD_RUN_MS ?? 60_000);
const aheadS = Number(process.env.AHEAD_SECONDS ?? 300);

const emulator = new FandengPlatformEmulator({
  clients: { [CLIENT_ID]: CLIENT_SECRET },
  tokenLifetimeSeconds: 600 / SCALE,
  overlapSeconds: 60 / SCALE,
  fractionalExpiresIn: true,
  dailyQuota: Infinity,
});
await emulator.start();
const app = await NestFactory.createApplicationContext(
  FandengAuthModule.forRoot({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    baseUrl: emulator.url,
    refreshAheadSeconds: aheadS / SCALE,
    minRefreshIntervalSeconds: 10 / SCALE,
    logger: false,
  }),
  { logger: false, abortOnError: false },
);
const http = app.get(HttpService);
const end = Date.now() + RUN_MS;
let failed = 0;
while (Date.now() < end) {
  await http.axiosRef.get('/api/books').catch(() => failed++);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const lifetimes = RUN_MS / ((600 / SCALE) * 1000);
console.log(
  JSON.stringify({
    refreshAheadPlatformSeconds: aheadS,
    platformSeconds: (RUN_MS / 1000) * SCALE,
    tokenRequests: emulator.counters.tokensIssued,
    physicalLimit: lifetimes,
    perPlatformDay: Math.round((emulator.counters.tokensIssued / lifetimes) * 144),
    failed,
  }),
);
await app.close();
await emulator.stop();
process.exit(0);
