import { jest } from '@jest/globals';
import axios from 'axios';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { RedisTokenStore, type FandengAuthModuleOptions } from 'nestjs-fandeng-auth';
import { REDIS_URL, testPrefix } from '../support/redis.js';
import { until } from '../support/redis-servers.js';
import {
  CLIENT_ID,
  bootTokens,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';
import {
  bootSimulated,
  hubToken,
  platformToken,
  SimulatedSource,
  type Answer,
} from '../adversarial/simulated-platform.js';

const OUTAGE_STARTS_MS = 10_000;
const CALLER_EVERY_MS = 200;

/** What one simulated outage looked like from the service's seat. */
interface Recovery {
  /** From the source's recovery to the first call that got a token. */
  lagMs: number;
  /** Token requests (with credentials) sent while the source was down. */
  tokenRequestsDuringOutage: number;
  probes: number;
  lastRecoveryMs: number | null;
}

/**
 * Runs an outage of `outageMs` in fake time: tokens live 5 s, a caller asks for one every
 * 200 ms, and the source answers `down` (a 503, or no answer at all) from 10 s in until the
 * outage ends. Returns when the first caller after the recovery got a token.
 */
async function outage(
  outageMs: number,
  options: Partial<FandengAuthModuleOptions> = {},
  down: () => Answer | Error = () => ({ status: 503, body: '' }),
  up: () => Answer = () => platformToken(5),
): Promise<Recovery> {
  const t0 = Date.now();
  const backAt = t0 + OUTAGE_STARTS_MS + outageMs;
  let duringOutage = 0;
  const source = new SimulatedSource((_, config) => {
    const now = Date.now();
    const isDown = now >= t0 + OUTAGE_STARTS_MS && now < backAt;
    if (isDown && (config.params as { client_id?: string } | undefined)?.client_id) duringOutage++;
    return isDown ? down() : up();
  });
  const booted = await bootSimulated(source, { logger: false, ...options });
  let firstSuccessAfter: number | undefined;
  try {
    while (firstSuccessAfter === undefined) {
      booted.tokens.getAccessToken().then(
        () => {
          if (Date.now() >= backAt) firstSuccessAfter ??= Date.now();
        },
        () => undefined,
      );
      await jest.advanceTimersByTimeAsync(CALLER_EVERY_MS);
      if (Date.now() - backAt > 600_000) throw new Error('no token 10 minutes after the recovery');
    }
    const metrics = booted.tokens.getMetrics();
    return {
      lagMs: firstSuccessAfter - backAt,
      tokenRequestsDuringOutage: duringOutage,
      probes: metrics.recovery.probes,
      lastRecoveryMs: metrics.recovery.lastRecoveryMs,
    };
  } finally {
    await booted.module.close();
  }
}

const refused = () =>
  Object.assign(new axios.AxiosError('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'), {});

describe('recovery after an outage (fake time)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    // Backoff and refresh jitter draw the same numbers with and without probes: a paired run.
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it.each([
    ['20 s', 20_000, 7],
    ['60 s', 60_000, 10],
    ['5 min', 300_000, 12],
  ])(
    'is back within 3 s of a %s platform outage, with no more token requests than without probes',
    async (_, outageMs, maxRequests) => {
      const probing = await outage(outageMs);
      const before = await outage(outageMs, { recoveryProbeIntervalMs: 0 });
      process.stdout.write(
        `recovery | ${_} outage: lag ${probing.lagMs} ms (without probes ${before.lagMs} ms), ` +
          `token requests during it ${probing.tokenRequestsDuringOutage} (${before.tokenRequestsDuringOutage}), ` +
          `probes ${probing.probes}\n`,
      );

      expect(probing.lagMs).toBeLessThanOrEqual(3_000);
      expect(probing.tokenRequestsDuringOutage).toBeLessThanOrEqual(
        before.tokenRequestsDuringOutage,
      );
      expect(probing.tokenRequestsDuringOutage).toBeLessThanOrEqual(maxRequests);
      // At most one probe per 2 s of outage (and the one that saw the recovery).
      expect(probing.probes).toBeLessThanOrEqual(outageMs / 2_000 + 1);
      expect(probing.probes).toBeGreaterThan(0);
      expect(probing.lastRecoveryMs).toBeGreaterThanOrEqual(outageMs - 5_000);
      // Without probes, the cooldown keeps the service down well past the recovery.
      expect(before.lagMs).toBeGreaterThan(probing.lagMs);
    },
    60_000,
  );

  it('probes network failures the same way (connection refused)', async () => {
    const result = await outage(60_000, {}, refused);

    expect(result.lagMs).toBeLessThanOrEqual(3_000);
    expect(result.tokenRequestsDuringOutage).toBeLessThanOrEqual(10);
  });

  it('on a hub consumer, asks the hub again within 3 s of its return (no quota is at stake)', async () => {
    const hub = { url: 'http://127.0.0.1:9/hub', apiKey: 'k'.repeat(20) };
    const result = await outage(
      60_000,
      { hub },
      () => ({ status: 503, body: '{"error":"token_unavailable","code":"X","message":"down"}' }),
      () => hubToken({ expiresInSeconds: 5, ageSeconds: 0 }),
    );

    expect(result.lagMs).toBeLessThanOrEqual(3_000);
  });

  it('does not probe while a valid token is held, nor after bad credentials', async () => {
    // A failing platform while the held token is far from its refresh: no probe.
    let failing = false;
    const source = new SimulatedSource(() =>
      failing ? { status: 503, body: '' } : platformToken(7200),
    );
    const booted = await bootSimulated(source, { logger: false });
    await booted.tokens.getAccessToken();
    failing = true;
    for (let i = 0; i < 50; i++) {
      await booted.tokens.getAccessToken();
      await jest.advanceTimersByTimeAsync(CALLER_EVERY_MS);
    }
    expect(source.probes).toBe(0);
    await booted.module.close();

    // invalid_client: the platform is up and says no; probing would not help.
    const rejecting = new SimulatedSource(() => ({
      status: 401,
      body: '{"error":"invalid_client","error_description":"Bad client credentials"}',
    }));
    const refusedBoot = await bootSimulated(rejecting, { logger: false });
    for (let i = 0; i < 50; i++) {
      refusedBoot.tokens.getAccessToken().catch(() => undefined);
      await jest.advanceTimersByTimeAsync(CALLER_EVERY_MS);
    }
    expect(rejecting.probes).toBe(0);
    expect(refusedBoot.tokens.getStatus().probing).toBe(false);
    await refusedBoot.module.close();
  });

  it('stops probing on shutdown, leaving no timer', async () => {
    const source = new SimulatedSource(() => ({ status: 503, body: '' }));
    const booted = await bootSimulated(source, { logger: false });
    for (let i = 0; i < 20; i++) {
      booted.tokens.getAccessToken().catch(() => undefined);
      await jest.advanceTimersByTimeAsync(CALLER_EVERY_MS);
    }
    expect(booted.tokens.getStatus().probing).toBe(true);
    await booted.module.close();

    expect(booted.tokens.getStatus().probing).toBe(false);
    const probes = source.probes;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(source.probes).toBe(probes);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('recovery of a fleet on one Redis store (real time)', () => {
  const INSTANCES = 3;
  const OUTAGE_MS = 6_000;
  let emulator: FandengPlatformEmulator;
  let fleet: TokenHarness[] = [];
  let prefix: string;

  beforeEach(async () => {
    emulator = await startEmulator({ tokenLifetimeSeconds: 2 });
    prefix = testPrefix();
  });
  afterEach(async () => {
    await Promise.all(fleet.map((member) => member.module.close()));
    fleet = [];
    await emulator.stop();
  });

  it('sends one failing token request per cooldown for the whole fleet, not one per member', async () => {
    const MEMBERS = 6;
    const retry = { maxAttempts: 2, initialDelayMs: 200, maxDelayMs: 1_000, maxCooldownMs: 2_000 };
    for (let i = 0; i < MEMBERS; i++) {
      fleet.push(
        await bootTokens(emulator, {
          store: new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix }),
          recoveryProbeIntervalMs: 0, // the cooldown alone paces the fleet here
          retry,
          refreshAheadSeconds: 0.5,
        }),
      );
    }
    await Promise.all(fleet.map((member) => member.tokens.getAccessToken()));
    const credentialed = () => emulator.counters.tokenRequestsByClient[CLIENT_ID] ?? 0;

    emulator.injectFault({ type: 'status', status: 503 }, Infinity);
    const before = credentialed();
    const callers = setInterval(() => {
      for (const member of fleet) member.tokens.getAccessToken().catch(() => undefined);
    }, 100);
    try {
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const duringOutage = credentialed() - before;
      emulator.clearFaults();
      await until(async () => {
        const held = await Promise.all(fleet.map((m) => m.tokens.getAccessToken().catch(() => '')));
        return held.every((value) => value !== '' && value === held[0]);
      }, 'the fleet on one token after the outage');
      const heldOff = fleet.reduce((sum, m) => sum + m.tokens.getMetrics().refreshes.heldOff, 0);
      process.stdout.write(
        `recovery | fleet of ${MEMBERS} in a ${OUTAGE_MS} ms outage: ${duringOutage} token requests, ${heldOff} refreshes held off\n`,
      );
      // The first refresh's attempts, then one request per cooldown (at least 400 ms, growing
      // to 1-2 s): about 8 for the fleet. One per member and cooldown would be over 30.
      expect(duringOutage).toBeLessThanOrEqual(retry.maxAttempts + OUTAGE_MS / 1_000 + 2);
      expect(heldOff).toBeGreaterThan(0);
    } finally {
      clearInterval(callers);
    }
  }, 30_000);

  it('probes once per interval for the whole fleet, and every member is back within 3 s', async () => {
    for (let i = 0; i < INSTANCES; i++) {
      fleet.push(
        await bootTokens(emulator, {
          store: new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix }),
          recoveryProbeIntervalMs: 1_000,
          // The defaults: seconds of cooldown, so the probe is what brings the fleet back.
          retry: {
            maxAttempts: 3,
            initialDelayMs: 500,
            maxDelayMs: 10_000,
            maxCooldownMs: 300_000,
          },
          refreshAheadSeconds: 0.5,
        }),
      );
    }
    await Promise.all(fleet.map((member) => member.tokens.getAccessToken()));
    const credentialed = () => emulator.counters.tokenRequestsByClient[CLIENT_ID] ?? 0;
    const probesSoFar = () => emulator.counters.tokenRequests - credentialed();

    emulator.injectFault({ type: 'status', status: 503 }, Infinity);
    const probesBefore = probesSoFar();
    const backAt = Date.now() + OUTAGE_MS;
    const firstSuccess = new Map<number, number>();
    const callers = setInterval(() => {
      fleet.forEach((member, i) =>
        member.tokens.getAccessToken().then(
          () => {
            if (Date.now() >= backAt && !firstSuccess.has(i)) firstSuccess.set(i, Date.now());
          },
          () => undefined,
        ),
      );
    }, 100);
    try {
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      emulator.clearFaults();
      const probesDuringOutage = probesSoFar() - probesBefore;
      const deadline = Date.now() + 5_000;
      while (firstSuccess.size < INSTANCES && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      expect(firstSuccess.size).toBe(INSTANCES);
      for (const at of firstSuccess.values()) expect(at - backAt).toBeLessThanOrEqual(3_000);
      // One slot per second for the fleet (a slot is held about two intervals at the edges).
      expect(probesDuringOutage).toBeLessThanOrEqual(OUTAGE_MS / 1_000 + INSTANCES);
      expect(probesDuringOutage).toBeGreaterThan(0);
    } finally {
      clearInterval(callers);
    }
  }, 30_000);
});
