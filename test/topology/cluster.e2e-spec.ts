import { RedisTokenStore, type AccessToken } from 'nestjs-fandeng-auth';
import { firstValueFrom, take, timeout } from 'rxjs';
import { RedisServers } from '../support/redis-servers.js';
import { testPrefix } from '../support/redis.js';
import { CLIENT_ID } from '../support/token-harness.js';
import {
  bootFleet,
  cyclesPlus,
  describeWithRedisServer,
  nextRefresh,
  runLoad,
  TopologyRun,
} from './fleet-load.js';
import { RedisCluster } from './redis-cluster.js';

const INSTANCES = 4;

function aToken(value: string): AccessToken {
  const now = Date.now();
  return {
    value,
    tokenType: 'bearer',
    expiresIn: 60,
    obtainedAt: new Date(now),
    expiresAt: new Date(now + 60_000),
    scope: [],
  };
}

describeWithRedisServer('Redis Cluster: three masters with a replica each (issue 17)', () => {
  let servers: RedisServers;
  let cluster: RedisCluster;
  const run = new TopologyRun();
  const client = () => run.track(cluster.client());

  beforeAll(async () => {
    servers = new RedisServers();
    cluster = await RedisCluster.start(servers);
  }, 40_000);
  beforeEach(() => run.start());
  afterEach(() => run.stop());
  afterAll(async () => {
    await servers.stop();
  });

  it.each([['fandeng-auth:'], ['app:{fandeng}:'], ['odd{prefix:']])(
    'keeps the token, its lock and its counter in one hash slot (keyPrefix %s)',
    async (keyPrefix) => {
      const store = new RedisTokenStore({ client: client(), keyPrefix });
      const key = `token:${testPrefix()}`;
      await store.set(key, aToken('slot-test'));
      const release = await store.acquireLock(key);
      await store.incrementTokenRequests(key, '2026-12-03');
      await release?.();
      await store.close();

      const written = await cluster.keys(`*${key}*`);
      const slots = await Promise.all(written.map((name) => cluster.slotOf(name)));

      expect(written).toHaveLength(2); // the token and the counter (the lock is released)
      expect(new Set(slots).size).toBe(1);
      expect(await cluster.slotOf(`${keyPrefix}${key}`)).toBe(slots[0]);
    },
  );

  it('shares one token across instances, spreads refreshes by pub/sub, and rides out a master failover', async () => {
    const prefix = testPrefix();
    run.fleet = await bootFleet(run.emulator, INSTANCES, () => {
      return new RedisTokenStore({ client: client(), keyPrefix: prefix, operationTimeoutMs: 200 });
    });
    await Promise.all(run.fleet.map(({ tokens }) => tokens.getAccessToken()));
    expect(run.emulator.counters.tokenRequests).toBe(1);
    const started = Date.now();
    let finished = false;
    const load = runLoad(run.emulator, run.fleet, 40_000, () => finished);

    await nextRefresh(run.fleet);
    const tokenKey = `${prefix}token:${CLIENT_ID}`;
    const master = await cluster.masterOf(tokenKey);
    const at = Date.now();
    await master.kill();
    await cluster.failedOver(tokenKey, master);
    const promotedMs = Date.now() - at;

    await nextRefresh(run.fleet);
    await nextRefresh(run.fleet);
    finished = true;
    const figures = await load;
    const elapsedMs = Date.now() - started;
    const requests = run.emulator.counters.tokenRequests;

    // After the failover, one instance's refresh still reaches every other one by pub/sub.
    const [first, ...others] = run.fleet;
    const heard = others.map(({ tokens }) =>
      firstValueFrom(tokens.tokenChanges$.pipe(take(1), timeout(2000))),
    );
    const refreshed = await first.tokens.refresh();
    expect((await Promise.all(heard)).map(({ value }) => value)).toEqual(
      others.map(() => refreshed.value),
    );

    process.stdout.write(
      `Cluster: ${INSTANCES} instances, ${figures.calls} calls in ${elapsedMs} ms; ` +
        `the token's master killed, replica serving after ${promotedMs} ms; ` +
        `fleet on local fallback ${figures.fallbackMs} ms; token requests ${requests} (bound ${cyclesPlus(elapsedMs, 2) + 1})\n`,
    );
    expect(figures).toMatchObject({ failed: 0, rejected: 0, errors: [] });
    expect(requests).toBeLessThanOrEqual(cyclesPlus(elapsedMs, 2) + 1);
    expect(run.emulator.counters.tokenRequests).toBe(requests + 1); // the others adopted it
  }, 60_000);
});
