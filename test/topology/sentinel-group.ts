import { Redis, type RedisOptions } from 'ioredis';
import { until, type RedisProcess, type RedisServers } from '../support/redis-servers.js';

export const MASTER_NAME = 'fandeng';

/**
 * A replica's full sync starts at once: by default a master waits 5 s for more replicas before a
 * diskless sync, and a busy machine stretched that past the suite's patience.
 */
export const SYNC_AT_ONCE = ['--repl-diskless-sync-delay', '0'];

/** A master, one replica and three sentinels (quorum 2) that watch them, ready to fail over. */
export class SentinelGroup {
  private constructor(
    readonly master: RedisProcess,
    readonly replica: RedisProcess,
    readonly sentinels: RedisProcess[],
  ) {}

  static async start(servers: RedisServers): Promise<SentinelGroup> {
    const master = await servers.server(SYNC_AT_ONCE);
    const replica = await servers.server([
      ...SYNC_AT_ONCE,
      '--replicaof',
      '127.0.0.1',
      String(master.port),
    ]);
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      sentinels.push(
        await servers.sentinel([
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 300`,
          `sentinel failover-timeout ${MASTER_NAME} 3000`,
        ]),
      );
    }
    const group = new SentinelGroup(master, replica, sentinels);
    await group.ready();
    return group;
  }

  /** An ioredis client that finds the master through the sentinels, as the README shows. */
  client(options: RedisOptions = {}): Redis {
    const client = new Redis({
      sentinels: this.sentinels.map(({ port }) => ({ host: '127.0.0.1', port })),
      name: MASTER_NAME,
      failoverDetector: true,
      retryStrategy: (times) => Math.min(times * 50, 500),
      ...options,
    });
    // An application's own client carries its error listener; the store reports failures itself.
    client.on('error', () => undefined);
    return client;
  }

  /** The port of the master the sentinels name now. */
  async masterPort(): Promise<number> {
    return this.ask(this.sentinels[0], async (sentinel) => {
      const [, port] = (await sentinel.call(
        'SENTINEL',
        'GET-MASTER-ADDR-BY-NAME',
        MASTER_NAME,
      )) as [string, string];
      return Number(port);
    });
  }

  /** Asks the sentinels to fail over now (no master failure needed). */
  async forceFailover(): Promise<void> {
    await this.ask(this.sentinels[0], (sentinel) =>
      sentinel.call('SENTINEL', 'FAILOVER', MASTER_NAME),
    );
  }

  /** Waits until every sentinel names a master other than `port`, and it has a synced replica. */
  async waitForMasterOtherThan(port: number): Promise<number> {
    let next = port;
    await until(async () => {
      next = await this.masterPort();
      return next !== port;
    }, `a new master in place of :${port}`);
    return next;
  }

  /**
   * Every sentinel knows a replica and the two other sentinels, and the master has a replica in
   * sync: before that, a failover cannot happen.
   */
  async ready(): Promise<void> {
    let seen = 'nothing yet';
    await until(
      async () => {
        const views = [];
        for (const server of this.sentinels) {
          const fields = await this.ask(server, (sentinel) =>
            sentinel.call('SENTINEL', 'MASTER', MASTER_NAME),
          );
          const info = pairs(fields as string[]);
          views.push(
            `:${info.port} ${info.flags} slaves ${info['num-slaves']} others ${info['num-other-sentinels']}`,
          );
        }
        const master = this.byPort(await this.masterPort());
        const replication = await this.ask(master, (client) => client.info('replication'));
        seen = `${views.join('; ')}; master :${master.port} ${replication.replace(/\r?\n/g, ' ')}`;
        return (
          views.every((view) => / slaves [1-9] others 2$/.test(view)) &&
          /slave0:.*state=online/.test(replication)
        );
      },
      'the sentinels to know each other and a replica in sync',
      15_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last seen: ${seen}`);
    });
  }

  /** The process serving on `port` (the master and the replica swap roles). */
  byPort(port: number): RedisProcess {
    return [this.master, this.replica].find((server) => server.port === port)!;
  }

  private async ask<T>(server: RedisProcess, question: (client: Redis) => Promise<T>): Promise<T> {
    const client = server.client();
    try {
      return await question(client);
    } finally {
      client.disconnect();
    }
  }
}

function pairs(flat: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i]] = flat[i + 1];
  return record;
}
