import type { FandengPlatformEmulator } from 'fandeng-emulator';
import type { Redis } from 'ioredis';
import { RedisTokenStore } from 'nestjs-fandeng-auth';
import { RedisServers } from '../support/redis-servers.js';
import { testPrefix } from '../support/redis.js';
import type { TokenHarness } from '../support/token-harness.js';
import {
  bootFleet,
  cyclesPlus,
  describeWithRedisServer,
  nextRefresh,
  runLoad,
  startShortLivedEmulator,
} from './fleet-load.js';
import { SentinelGroup } from './sentinel-group.js';

const INSTANCES = 4;

describeWithRedisServer('Redis Sentinel: a fleet through failovers (issue 17)', () => {
  let servers: RedisServers;
  let group: SentinelGroup;
  let emulator: FandengPlatformEmulator;
  let fleet: TokenHarness[] = [];
  const clients: Redis[] = [];

  beforeAll(async () => {
    servers = new RedisServers();
    group = await SentinelGroup.start(servers);
  }, 30_000);
  beforeEach(async () => {
    emulator = await startShortLivedEmulator();
  });
  afterEach(async () => {
    for (const { module } of fleet) await module.close();
    for (const client of clients.splice(0)) client.disconnect();
    fleet = [];
    await emulator.stop();
  });
  afterAll(async () => {
    await servers.stop();
  });

  it('keeps every call succeeding through a forced failover and a killed master, one token per cycle', async () => {
    const prefix = testPrefix();
    fleet = await bootFleet(emulator, INSTANCES, () => {
      const client = group.client();
      clients.push(client);
      return new RedisTokenStore({ client, keyPrefix: prefix, operationTimeoutMs: 200 });
    });
    await Promise.all(fleet.map(({ tokens }) => tokens.getAccessToken()));
    const started = Date.now();
    let finished = false;
    const load = runLoad(emulator, fleet, 40_000, () => finished);
    const timings: string[] = [];

    // 1. An operator's failover (SENTINEL FAILOVER), just after a refresh.
    await nextRefresh(fleet);
    const first = await group.masterPort();
    let at = Date.now();
    await group.forceFailover();
    const second = await group.waitForMasterOtherThan(first);
    timings.push(`forced failover: new master named after ${Date.now() - at} ms`);
    await group.ready();

    // 2. The master dies (SIGKILL), just after the next refresh.
    await nextRefresh(fleet);
    at = Date.now();
    await group.byPort(second).kill();
    const third = await group.waitForMasterOtherThan(second);
    timings.push(`killed master: new master named after ${Date.now() - at} ms`);

    // 3. The fleet's next refresh goes through the new master, and every instance adopts it.
    await nextRefresh(fleet);
    await new Promise((resolve) => setTimeout(resolve, 300));
    finished = true;
    const figures = await load;
    const elapsedMs = Date.now() - started;

    const held = await Promise.all(fleet.map(({ tokens }) => tokens.getAccessToken()));
    const master = group.byPort(third).client();
    const stored = await master
      .get(`${prefix}token:test-client`)
      .finally(() => master.disconnect());
    process.stdout.write(
      `Sentinel: ${INSTANCES} instances, ${figures.calls} calls in ${elapsedMs} ms; ` +
        `${timings.join('; ')}; fleet on local fallback ${figures.fallbackMs} ms; ` +
        `token requests ${emulator.counters.tokenRequests} (bound ${cyclesPlus(elapsedMs, 2)})\n`,
    );
    expect(figures).toMatchObject({ failed: 0, rejected: 0, errors: [] });
    expect(new Set(held).size).toBe(1);
    expect(JSON.parse(stored!).value).toBe(held[0]);
    expect(fleet.every(({ tokens }) => tokens.getStatus().store.healthy)).toBe(true);
    // The first fetch plus one per cycle elapsed, and two for the failovers at most.
    expect(emulator.counters.tokenRequests).toBeLessThanOrEqual(cyclesPlus(elapsedMs, 2) + 1);
  }, 60_000);
});
