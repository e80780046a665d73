import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { until, type RedisProcess, type RedisServers } from '../support/redis-servers.js';
import { SYNC_AT_ONCE } from './sentinel-group.js';

const run = promisify(execFile);

/** Three masters with one replica each, on loopback ports, made with `redis-cli --cluster create`. */
export class RedisCluster {
  private constructor(readonly nodes: RedisProcess[]) {}

  static async start(servers: RedisServers): Promise<RedisCluster> {
    const nodes: RedisProcess[] = [];
    for (let i = 0; i < 6; i++) {
      nodes.push(
        await servers.server((port) => [
          ...SYNC_AT_ONCE,
          '--cluster-enabled',
          'yes',
          '--cluster-node-timeout',
          '1000',
          '--cluster-config-file',
          `nodes-${port}.conf`,
        ]),
      );
    }
    const addresses = nodes.map(({ port }) => `127.0.0.1:${port}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    const cluster = new RedisCluster(nodes);
    await cluster.healthy();
    await cluster.replicated();
    return cluster;
  }

  /** An ioredis Cluster client, as the README shows (the caller disconnects it). */
  client(): Cluster {
    const client = new Cluster(
      this.nodes.filter(({ alive }) => alive).map(({ port }) => ({ host: '127.0.0.1', port })),
      {
        redisOptions: { maxRetriesPerRequest: 1 },
        clusterRetryStrategy: (times) => Math.min(times * 50, 500),
      },
    );
    client.on('error', () => undefined); // an application's client carries its own listener
    return client;
  }

  /** The node that serves `key`'s slot now (a master). */
  async masterOf(key: string): Promise<RedisProcess> {
    const node = this.nodes.find(({ alive }) => alive)!.client();
    try {
      const slot = Number(await node.call('CLUSTER', 'KEYSLOT', key));
      const slots = (await node.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const [, , [, port]] = slots.find(([from, to]) => slot >= from && slot <= to)!;
      return this.nodes.find((candidate) => candidate.port === port)!;
    } finally {
      node.disconnect();
    }
  }

  /** The names of the keys that match `pattern`, on any live node (a replica holds copies). */
  async keys(pattern: string): Promise<string[]> {
    const found = await Promise.all(
      this.nodes
        .filter(({ alive }) => alive)
        .map((server) => {
          const node = server.client();
          return node.keys(pattern).finally(() => node.disconnect());
        }),
    );
    return [...new Set(found.flat())].sort();
  }

  /** Waits until a node other than `master` serves `key`'s slot and the cluster is ok again. */
  async failedOver(key: string, master: RedisProcess): Promise<void> {
    await until(
      async () => (await this.masterOf(key)).port !== master.port,
      `a replica to take over from :${master.port}`,
      20_000,
    );
    await this.healthy();
  }

  /** The slot Redis Cluster gives `key`. */
  async slotOf(key: string): Promise<number> {
    const node = this.nodes.find(({ alive }) => alive)!.client();
    return Number(await node.call('CLUSTER', 'KEYSLOT', key).finally(() => node.disconnect()));
  }

  /** Every node sees three replicas, and each master has its replica in sync: failover-ready. */
  async replicated(): Promise<void> {
    await until(
      async () => {
        for (const server of this.nodes) {
          const node = server.client();
          const [nodes, replication] = await Promise.all([
            node.call('CLUSTER', 'NODES'),
            node.info('replication'),
          ]).finally(() => node.disconnect());
          const replicas = String(nodes)
            .split('\n')
            .filter((line) => line.split(' ')[2]?.split(',').includes('slave'));
          if (replicas.length !== 3) return false;
          if (replication.includes('role:master') && !/state=online/.test(replication))
            return false;
        }
        return true;
      },
      'a replica in sync for every master',
      20_000,
    );
  }

  /** Every live node says the cluster is ok and knows all slots. */
  async healthy(): Promise<void> {
    await until(
      async () => {
        for (const server of this.nodes.filter(({ alive }) => alive)) {
          const node = server.client();
          const info = String(await node.call('CLUSTER', 'INFO').finally(() => node.disconnect()));
          if (!info.includes('cluster_state:ok')) return false;
        }
        return true;
      },
      'the cluster to be ok on every node',
      20_000,
    );
  }
}
