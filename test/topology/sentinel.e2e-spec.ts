import { RedisTokenStore } from 'nestjs-fandeng-auth';
import { RedisServers, until } from '../support/redis-servers.js';
import { testPrefix } from '../support/redis.js';
import {
  bootFleet,
  CYCLE_MS,
  cyclesPlus,
  describeWithRedisServer,
  nextRefresh,
  runLoad,
  TopologyRun,
} from './fleet-load.js';
import { SentinelGroup } from './sentinel-group.js';

const INSTANCES = 4;

describeWithRedisServer('Redis Sentinel: a fleet through failovers (issue 17)', () => {
  let servers: RedisServers;
  let group: SentinelGroup;
  const run = new TopologyRun();

  beforeAll(async () => {
    servers = new RedisServers();
    group = await SentinelGroup.start(servers);
  }, 30_000);
  beforeEach(() => run.start());
  afterEach(() => run.stop());
  afterAll(async () => {
    await servers.stop();
  });

  it('keeps every call succeeding through a forced failover and a killed master, one token per cycle', async () => {
    const prefix = testPrefix();
    run.fleet = await bootFleet(run.emulator, INSTANCES, () => {
      const client = run.track(group.client());
      return new RedisTokenStore({ client, keyPrefix: prefix, operationTimeoutMs: 200 });
    });
    await Promise.all(run.fleet.map(({ tokens }) => tokens.getAccessToken()));
    const started = Date.now();
    let finished = false;
    const load = runLoad(run.emulator, run.fleet, 40_000, () => finished);
    const timings: string[] = [];

    // 1. An operator's failover (SENTINEL FAILOVER), just after a refresh.
    await nextRefresh(run.fleet);
    const first = await group.masterPort();
    let at = Date.now();
    await group.forceFailover();
    const second = await group.waitForMasterOtherThan(first);
    timings.push(`forced failover: new master named after ${Date.now() - at} ms`);
    await group.ready();

    // 2. The master dies (SIGKILL), just after the next refresh.
    await nextRefresh(run.fleet);
    at = Date.now();
    await group.byPort(second).kill();
    const third = await group.waitForMasterOtherThan(second);
    timings.push(`killed master: new master named after ${Date.now() - at} ms`);

    // 3. The fleet is back on one token, stored on the new master. An instance that fetched on
    // its own during the outage publishes its token when the store answers again (or adopts a
    // newer stored one); a write it gave up on may still land later (this application-owned client
    // keeps ioredis's offline queue), but the store refuses it over a newer token (issue 24).
    const master = run.track(group.byPort(third).client());
    let held: (string | undefined)[] = [];
    let stored: string | undefined;
    const converged = async () => {
      held = run.fleet.map(({ tokens }) => tokens.peekToken()?.value);
      const text = await master.get(`${prefix}token:test-client`);
      stored = text ? (JSON.parse(text) as { value: string }).value : undefined;
      return (
        new Set([...held, stored]).size === 1 &&
        run.fleet.every(({ tokens }) => tokens.getStatus().store.healthy)
      );
    };
    await until(converged, 'the fleet and the new master on one token again', 3 * CYCLE_MS).catch(
      (error: Error) => {
        const seen = (value?: string) => value?.slice(-8);
        const health = run.fleet.map(({ tokens }) => tokens.getStatus().store.healthy);
        throw new Error(
          `${error.message}: held ${held.map(seen).join(' ')}, stored ${seen(stored)}, healthy ${health.join(' ')}`,
        );
      },
    );
    timings.push(`fleet and store on one token again ${Date.now() - at} ms after the kill`);
    finished = true;
    const figures = await load;
    const elapsedMs = Date.now() - started;

    process.stdout.write(
      `Sentinel: ${INSTANCES} instances, ${figures.calls} calls in ${elapsedMs} ms; ` +
        `${timings.join('; ')}; fleet on local fallback ${figures.fallbackMs} ms; ` +
        `token requests ${run.emulator.counters.tokenRequests} (bound ${cyclesPlus(elapsedMs, 2)})\n`,
    );
    expect(figures).toMatchObject({ failed: 0, rejected: 0, errors: [] });
    expect(new Set([...held, stored]).size).toBe(1); // as `until` saw it
    expect(run.emulator.isValid(stored!)).toBe(true);
    // The first fetch plus one per cycle elapsed, and two for the failovers at most.
    expect(run.emulator.counters.tokenRequests).toBeLessThanOrEqual(cyclesPlus(elapsedMs, 2) + 1);
  }, 60_000);
});
