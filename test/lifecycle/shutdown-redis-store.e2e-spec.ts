import { randomUUID } from 'node:crypto';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Redis } from 'ioredis';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { FandengShutdownError, RedisTokenStore } from 'nestjs-fandeng-auth';
import { activeResources, settleResources, waitFor } from '../support/hardening.js';
import { REDIS_URL, deleteUnder, testPrefix } from '../support/redis.js';
import {
  CLIENT_ID,
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

/**
 * Closing the application on a shared Redis store: the store's own connections end, and the
 * refresh lock is released before the store closes (shutdown.e2e-spec.ts has the token
 * service's states on the default store).
 */

const PROMPT_MS = 1000;
const HANG_MS = 30_000;

describe('shutdown with a RedisTokenStore created from a url', () => {
  let emulator: FandengPlatformEmulator | undefined;
  let harness: TokenHarness | undefined;
  let observer: Redis;
  let prefix: string;

  beforeEach(async () => {
    observer = new Redis(REDIS_URL);
    await observer.ping();
    prefix = testPrefix();
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await emulator?.stop();
    await deleteUnder(observer, prefix);
    await observer.quit();
  });

  /** Connections Redis holds under `name` (CLIENT LIST, seen from the observer). */
  async function connectionsNamed(name: string): Promise<number> {
    const list = (await observer.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
  }

  it('disconnects its connections (status end), promptly, during an in-flight refresh', async () => {
    const before = activeResources();
    const connectionName = `hardening-${randomUUID()}`;
    const store = new RedisTokenStore({
      url: REDIS_URL,
      keyPrefix: prefix,
      redisOptions: { connectionName },
    });
    // The store's own connections (private): the client and its pub/sub duplicate.
    const { client } = store as unknown as { client: Redis };
    emulator = await startEmulator();
    harness = await bootTokens(emulator, { store }, [ScheduleModule.forRoot()]);
    const { module, tokens } = harness;
    await tokens.getAccessToken();
    const { subscriber } = store as unknown as { subscriber: Redis };
    await waitFor(() => subscriber.status === 'ready', 'the subscriber connection');
    expect(await connectionsNamed(connectionName)).toBe(2);

    emulator.configure({ tokenLatencyMs: HANG_MS });
    const pending = rejectionOf(tokens.refresh());
    await waitFor(() => emulator!.counters.tokenRequests >= 2, 'the refresh on the wire');
    const started = performance.now();
    await module.close();
    expect(performance.now() - started).toBeLessThan(PROMPT_MS);
    harness = undefined;

    expect(await pending).toBeInstanceOf(FandengShutdownError);
    expect(module.get(SchedulerRegistry).getTimeouts()).toEqual([]);
    await waitFor(
      () => client.status === 'end' && subscriber.status === 'end',
      'both connections to end',
      1000,
    );
    let named = await connectionsNamed(connectionName);
    for (let i = 0; i < 50 && named > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      named = await connectionsNamed(connectionName);
    }
    expect(named).toBe(0);

    await emulator.stop();
    emulator = undefined;
    expect(await settleResources(before)).toEqual({});
  });
});

describe('closing mid-refresh on a shared Redis store', () => {
  let emulator: FandengPlatformEmulator;
  let harness: TokenHarness | undefined;
  let observer: Redis;
  let prefix: string;

  beforeEach(async () => {
    emulator = await startEmulator();
    observer = new Redis(REDIS_URL);
    prefix = testPrefix();
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await deleteUnder(observer, prefix);
    await observer.quit();
    await emulator.stop();
  });

  // onModuleDestroy closes the store in the same tick as it aborts the request, so the aborted
  // refresh's `finally` releases its lock on a closed connection: the release fails (a WARN and
  // `healthy: false`), and the fleet-wide lock stays for lockTtlMs, so every other instance
  // that needs a token waits up to 5 s for a peer that is gone.
  it('releases the refresh lock before the store closes, and logs no store failure', async () => {
    const store = new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix });
    harness = await bootTokens(emulator, { store });
    const { module, tokens, logger } = harness;
    await tokens.getAccessToken();
    emulator.configure({ tokenLatencyMs: 30_000 });
    const pending = rejectionOf(tokens.refresh());
    await waitFor(() => emulator.counters.tokenRequests >= 2, 'the refresh on the wire');
    expect(await observer.exists(`{${prefix}token:${CLIENT_ID}}:lock`)).toBe(1);

    await module.close();
    harness = undefined;

    expect(await pending).toBeInstanceOf(FandengShutdownError);
    expect(logger.lines.filter((line) => line.startsWith('WARN'))).toEqual([]);
    expect(await observer.exists(`{${prefix}token:${CLIENT_ID}}:lock`)).toBe(0);
  });
});
