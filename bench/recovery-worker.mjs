// The recovery figure in its own process: outages of 20 s, 60 s and 5 min of a simulated platform
// (the axios adapter under the token requests, FANDENG_TOKEN_ADAPTER), run in fake time with
// @sinonjs/fake-timers, so five minutes of outage take a fraction of a second. Tokens live 5 s,
// a caller asks for one every 200 ms, the platform answers 503 from 10 s in until the outage
// ends. Each outage runs with probes (the default) and without (recoveryProbeIntervalMs: 0, the
// behaviour before probes), with the same random draws. Prints one JSON line.
import 'reflect-metadata';
import FakeTimers from '@sinonjs/fake-timers';
import { Test } from '@nestjs/testing';
import * as auth from '../dist/libs/fandeng-auth/index.js';
import { FANDENG_TOKEN_ADAPTER } from '../dist/libs/fandeng-auth/testing/index.js';

const OUTAGE_STARTS_MS = 10_000;
const CALLER_EVERY_MS = 200;
let issued = 0;

async function outage(outageMs, probes) {
  const clock = FakeTimers.install({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  const random = Math.random;
  Math.random = () => 0.5; // the same jitter with and without probes: a paired run
  try {
    const t0 = Date.now();
    const backAt = t0 + OUTAGE_STARTS_MS + outageMs;
    const counts = { tokenRequests: 0, duringOutage: 0, probes: 0 };
    const adapter = (config) => {
      const now = Date.now();
      const down = now >= t0 + OUTAGE_STARTS_MS && now < backAt;
      if (config.params?.client_id) {
        counts.tokenRequests++;
        if (down) counts.duringOutage++;
      } else counts.probes++;
      const body = down
        ? ''
        : JSON.stringify({ value: `bench-${++issued}`, tokenType: 'bearer', expiresIn: 5 });
      return Promise.resolve({
        status: down ? 503 : 200,
        statusText: '',
        data: body,
        headers: {},
        config,
      });
    };
    const module = await Test.createTestingModule({
      imports: [
        auth.FandengAuthModule.forRoot({
          clientId: 'bench-client',
          clientSecret: 'bench-secret',
          baseUrl: 'http://127.0.0.1:9',
          logger: false,
          recoveryProbeIntervalMs: probes ? 2_000 : 0,
        }),
      ],
    })
      .overrideProvider(FANDENG_TOKEN_ADAPTER)
      .useValue(adapter)
      .compile();
    await module.init();
    const tokens = module.get(auth.TokenService);
    let firstSuccess;
    while (firstSuccess === undefined && Date.now() - backAt < 600_000) {
      tokens.getAccessToken().then(
        () => {
          if (Date.now() >= backAt) firstSuccess ??= Date.now();
        },
        () => undefined,
      );
      await clock.tickAsync(CALLER_EVERY_MS);
    }
    const metrics = tokens.getMetrics();
    await module.close();
    return {
      lagMs: firstSuccess === undefined ? null : firstSuccess - backAt,
      tokenRequestsDuringOutage: counts.duringOutage,
      probes: counts.probes,
      probesCounted: metrics.recovery.probes,
      lastRecoveryMs: metrics.recovery.lastRecoveryMs,
    };
  } finally {
    Math.random = random;
    clock.uninstall();
  }
}

const results = {};
for (const [label, ms] of [
  ['20 s', 20_000],
  ['60 s', 60_000],
  ['5 min', 300_000],
]) {
  results[label] = { before: await outage(ms, false), after: await outage(ms, true) };
}
process.stdout.write(`${JSON.stringify(results)}\n`);
