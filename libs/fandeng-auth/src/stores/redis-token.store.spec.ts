import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import { REDIS_REPLACE_DELAY_MS, RedisTokenStore } from './redis-token.store.js';
import { InMemoryTokenStore } from './in-memory-token.store.js';
import { serializeToken } from './token-serialization.js';

// A real Redis (REDIS_URL, as the e2e suites use), each test under a prefix of its own.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A token obtained `agoMs` before now, living `lifetimeMs` from then. */
function token(value: string, agoMs = 0, lifetimeMs = 60_000): AccessToken {
  const obtainedAt = Date.now() - agoMs;
  return {
    value,
    tokenType: 'bearer',
    expiresIn: lifetimeMs / 1000,
    obtainedAt: new Date(obtainedAt),
    expiresAt: new Date(obtainedAt + lifetimeMs),
    scope: ['ALL'],
  };
}

/** `token` as the platform issued it at `at` (its clock): with the matching `expiration`. */
function issuedAt(value: AccessToken, at: number): AccessToken {
  return { ...value, platformExpiration: new Date(at + value.expiresIn * 1000) };
}

describe('RedisTokenStore: the order of token writes', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisTokenStore;

  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    prefix = `fandeng-unit:${randomUUID()}:`;
    store = new RedisTokenStore({ client: redis, keyPrefix: prefix });
  });
  afterEach(async () => {
    await store.close();
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length) await redis.del(keys);
    await redis.quit();
  });

  it('keeps a newer token when an older one arrives late, and says which it kept', async () => {
    const newer = token('token-3', 1_000);
    const older = token('token-2', 5_000);
    expect(await store.set('token:a', newer)).toBeUndefined();
    const ttlBefore = await redis.pttl(`${prefix}token:a`);

    const kept = await store.set('token:a', older);

    expect(kept?.value).toBe('token-3');
    expect((await store.get('token:a'))?.value).toBe('token-3');
    // The refused write did not renew the key's TTL either (the issue saw "a fresh TTL").
    expect(await redis.pttl(`${prefix}token:a`)).toBeLessThanOrEqual(ttlBefore);
  });

  it('replaces an older token with a newer one, and tells subscribers only of what it stored', async () => {
    const heard: string[] = [];
    store.subscribe('token:a', (received) => heard.push(received.value));
    const channel = `${prefix}token:a:changed`;
    await until(async () => {
      const [, subscribers] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
      return Number(subscribers) === 1;
    });
    await store.set('token:a', token('token-2', 5_000));
    await store.set('token:a', token('token-3', 2_000));
    await store.set('token:a', token('token-2', 5_000)); // late: refused, not announced
    await store.set('token:a', token('token-4', 1_000));
    // One connection delivers in order: had the refused write been announced, it would be in
    // before token-4.
    await until(async () => heard.includes('token-4'));

    expect((await store.get('token:a'))?.value).toBe('token-4');
    expect(heard).toEqual(['token-2', 'token-3', 'token-4']);
  });

  it('writes the same token again (a TTL renewal), and replaces what is not a token of ours', async () => {
    const current = token('token-1', 1_000);
    await store.set('token:a', current);
    expect(await store.set('token:a', current)).toBeUndefined();

    for (const foreign of ['plain text', '{"obtainedAt":"yesterday"}', '[1,2]']) {
      await redis.set(`${prefix}token:b`, foreign);
      expect(await store.set('token:b', token('mine'))).toBeUndefined();
      expect((await store.get('token:b'))?.value).toBe('mine');
    }
    await redis.del(`${prefix}token:b`);
    await redis.hset(`${prefix}token:b`, 'field', 'value'); // another type altogether
    expect(await store.set('token:b', token('mine'))).toBeUndefined();
    expect((await store.get('token:b'))?.value).toBe('mine');
  });

  it("orders by the platform's issue time when both tokens carry it (requests that overlapped)", async () => {
    // A was sent first (obtainedAt earlier) but issued last: the platform's newest is A.
    const issuedLast = issuedAt(token('token-a', 2_000), 10_500);
    const issuedFirst = issuedAt(token('token-b', 1_000), 10_000);
    await store.set('token:a', issuedLast);
    expect((await store.set('token:a', issuedFirst))?.value).toBe('token-a');

    await store.set('token:b', issuedFirst);
    expect(await store.set('token:b', issuedLast)).toBeUndefined();
    expect((await store.get('token:b'))?.value).toBe('token-a');
  });

  it('does not believe a stored token dated far in its future (a wrong clock must not lock the key)', async () => {
    const future = token('from-the-future', -3600_000, 7200_000); // "obtained" an hour from now
    await redis.set(`${prefix}token:a`, serializeToken(future), 'PX', 60_000);

    expect(await store.set('token:a', token('now'))).toBeUndefined();
    expect((await store.get('token:a'))?.value).toBe('now');
  });

  it('refuses a late write on a Redis Cluster hash-tagged prefix too', async () => {
    const tagged = new RedisTokenStore({ client: redis, keyPrefix: `{${prefix}}` });
    await tagged.set('token:a', token('token-3', 1_000));
    expect((await tagged.set('token:a', token('token-2', 5_000)))?.value).toBe('token-3');
    await tagged.close();
    await redis.del(`{${prefix}}token:a`);
  });
});

describe('RedisTokenStore built from a URL', () => {
  it('never sends a write it gave up on while Redis was down, once Redis is back', async () => {
    const server = await RedisServer.start();
    const store = new RedisTokenStore({ url: server.url, operationTimeoutMs: 150 });
    try {
      await store.set('token:a', token('before', 2_000));
      await server.stop();
      const started = Date.now();
      await expect(store.set('token:a', token('given-up', 1_000))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_000);

      await server.start(); // empty: no persistence
      await until(async () =>
        store.get('token:a').then(
          () => true,
          () => false,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 200)); // a queue would be flushed by now
      expect(await store.get('token:a')).toBeUndefined();
    } finally {
      await store.close();
      await server.stop();
    }
  });

  it('waits for its first connection instead of failing the first command', async () => {
    const prefix = `fandeng-unit:${randomUUID()}:`;
    const store = new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix });
    // Sent in the same tick as the constructor, before the socket is up.
    expect(await store.set('token:a', token('first'))).toBeUndefined();
    expect((await store.get('token:a'))?.value).toBe('first');
    await store.delete('token:a', 'first');
    await store.close();
  });
});

describe('RedisTokenStore: a client that ends', () => {
  it('goes on with a connection of its own when ioredis gives up on the client it was given', async () => {
    const server = await RedisServer.start();
    await server.stop();
    // Ends for good after its third failed attempt, right after an error: ioredis's own decision,
    // as a Sentinel client's can be in a failover.
    const client = new Redis(server.url, { retryStrategy: (times) => (times < 3 ? 20 : null) });
    client.on('error', () => undefined);
    const ended = new Promise((resolve) => client.once('end', resolve));
    const store = new RedisTokenStore({
      client,
      keyPrefix: 'fandeng-unit:',
      operationTimeoutMs: 200,
    });
    try {
      await ended;
      await server.start();
      await until(() =>
        store.set('token:a', token('after')).then(
          () => true,
          () => false,
        ),
      );
      expect((await store.get('token:a'))?.value).toBe('after');
      expect(client.status).toBe('end'); // the application's client is left as it is
    } finally {
      await store.close();
      await server.stop();
    }
  });

  it('leaves a client the application closed closed, and fails fast', async () => {
    const client = new Redis(REDIS_URL);
    const store = new RedisTokenStore({ client, keyPrefix: `fandeng-unit:${randomUUID()}:` });
    try {
      await store.set('token:a', token('before'));
      await client.quit();
      await new Promise((resolve) => setTimeout(resolve, 3 * REDIS_REPLACE_DELAY_MS));
      await expect(store.get('token:a')).rejects.toThrow('Connection is closed');
    } finally {
      await store.close();
    }
  });
});

describe('InMemoryTokenStore: the same order', () => {
  it('keeps a newer token when an older one is written after it', async () => {
    const store = new InMemoryTokenStore();
    await store.set('token:a', token('token-3', 1_000));
    expect((await store.set('token:a', token('token-2', 5_000)))?.value).toBe('token-3');
    expect((await store.get('token:a'))?.value).toBe('token-3');
    expect(await store.set('token:a', token('token-4'))).toBeUndefined();
    expect((await store.get('token:a'))?.value).toBe('token-4');

    const issuedLast = issuedAt(token('sent-first', 2_000), 10_500);
    await store.set('token:b', issuedLast);
    expect((await store.set('token:b', issuedAt(token('sent-last'), 10_000)))?.value).toBe(
      'sent-first',
    );
  });
});

/** A redis-server of the test's own on 127.0.0.1, stopped (SIGKILL) and started again on its port. */
class RedisServer {
  private child?: ChildProcess;
  private constructor(private readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const server = new RedisServer(port);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', ''];
    this.child = spawn('redis-server', [...args, '--appendonly', 'no'], { stdio: 'ignore' });
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => undefined);
    await until(() =>
      client.connect().then(
        () => true,
        () => false,
      ),
    );
    client.disconnect();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}

/** Polls `check` every 25 ms, for at most 5 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; !(await check());) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
