import { Test, type TestingModule } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { Redis } from 'ioredis';
import {
  FandengAuthModule,
  RedisTokenStore,
  TokenService,
  getTokenServiceToken,
} from 'nestjs-fandeng-auth';
import { waitFor } from '../support/hardening.js';
import { REDIS_URL, deleteUnder, keysUnder, testPrefix } from '../support/redis.js';
import { StallProxy } from '../support/stall-proxy.js';
import {
  CLIENT_ID,
  FAST_RETRY,
  bootTokens,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

// Issue 24: the store's write order, and keys that name one (registration, client) pair.
describe('a shared Redis store: which token wins', () => {
  let emulator: FandengPlatformEmulator;
  let redis: Redis;
  let prefix: string;
  const closing: (() => Promise<unknown>)[] = [];

  beforeEach(async () => {
    redis = new Redis(REDIS_URL);
    prefix = testPrefix();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    await deleteUnder(redis, prefix);
    await redis.quit();
    await emulator.stop();
  });

  async function instance(client: Redis): Promise<TokenHarness> {
    const store = new RedisTokenStore({ client, keyPrefix: prefix, operationTimeoutMs: 150 });
    const harness = await bootTokens(emulator, { store });
    closing.push(() => harness.module.close());
    return harness;
  }

  it('a write given up on over a stalled link lands late without replacing the newer token', async () => {
    emulator = await startEmulator();
    const proxy = new StallProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port) });
    await proxy.start();
    closing.push(() => proxy.stop());
    // Application-owned clients, with ioredis's defaults: what they were sent, they deliver.
    const stalledClient = new Redis(proxy.url);
    const directClient = new Redis(REDIS_URL);
    closing.push(
      async () => stalledClient.disconnect(),
      async () => directClient.disconnect(),
    );
    const a = await instance(stalledClient);
    const b = await instance(directClient);
    await a.tokens.getAccessToken();

    proxy.stall();
    const second = await a.tokens.refresh(); // its lock and its write stall: it gives up on both
    expect(a.tokens.getStatus().store.healthy).toBe(false);
    const third = await b.tokens.refresh();
    expect((await b.tokens.getToken()).value).toBe(third.value);
    proxy.release(); // token #2 reaches Redis now, after #3

    await waitFor(() => a.tokens.peekToken()?.value === third.value, 'A on token #3', 3_000);
    const stored = JSON.parse((await redis.get(`${prefix}token:${CLIENT_ID}`))!) as {
      value: string;
    };
    expect(stored.value).toBe(third.value);
    expect(second.value).not.toBe(third.value);
    const newcomerClient = new Redis(REDIS_URL);
    closing.push(async () => newcomerClient.disconnect());
    const newcomer = await instance(newcomerClient);
    expect(await newcomer.tokens.getAccessToken()).toBe(third.value);
    expect(emulator.counters.tokenRequests).toBe(3);
  });

  it('keeps client "partner:b" and the registration "partner" of client "b" apart', async () => {
    emulator = await startEmulator({ clients: { 'partner:b': 'secret-1', b: 'secret-2' } });
    const registration = (options: { name?: string; clientId: string; clientSecret: string }) =>
      FandengAuthModule.forRoot({
        ...options,
        baseUrl: emulator.url,
        retry: FAST_RETRY,
        logger: false,
        store: new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix }),
      });
    const modules: TestingModule[] = [];
    for (const options of [
      { clientId: 'partner:b', clientSecret: 'secret-1' },
      { name: 'partner', clientId: 'b', clientSecret: 'secret-2' },
    ]) {
      const module = await Test.createTestingModule({
        imports: [registration(options)],
      }).compile();
      await module.init();
      modules.push(module);
      closing.push(() => module.close());
    }
    const first = await modules[0].get(TokenService).getAccessToken();
    const second = await modules[1]
      .get<TokenService>(getTokenServiceToken('partner'))
      .getAccessToken();

    expect(first).toBe(emulator.lastIssued('partner:b'));
    expect(second).toBe(emulator.lastIssued('b'));
    expect(second).not.toBe(first);
    const keys = Object.keys(await keysUnder(redis, prefix)).filter((key) => !key.startsWith('{'));
    expect(keys.sort()).toEqual([`${prefix}token:partner%3Ab`, `${prefix}token:partner:b`]);
  });
});
