import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { RedisTokenStore } from 'nestjs-fandeng-auth';
import { firstValueFrom, take, timeout } from 'rxjs';
import { PrivateRedis } from './support/private-redis.js';
import { testPrefix } from './support/redis.js';
import { bootTokens, startEmulator, type TokenHarness } from './support/token-harness.js';

describe('a shared store through a Redis outage', () => {
  let emulator: FandengPlatformEmulator;
  let redis: PrivateRedis;
  let fleet: TokenHarness[];

  beforeEach(async () => {
    emulator = await startEmulator();
    redis = new PrivateRedis();
    await redis.start();
    fleet = [];
  });
  afterEach(async () => {
    for (const harness of fleet) await harness.module.close();
    await redis.stop();
    await emulator.stop();
  });

  it('keeps serving while Redis is down, then converges on one token when it is back', async () => {
    const prefix = testPrefix();
    for (let i = 0; i < 2; i++) {
      fleet.push(
        await bootTokens(emulator, {
          store: new RedisTokenStore({
            url: redis.url,
            keyPrefix: prefix,
            operationTimeoutMs: 200,
          }),
        }),
      );
    }
    const [a, b] = fleet;
    const shared = await a.tokens.getAccessToken();
    expect(await b.tokens.getAccessToken()).toBe(shared);

    await redis.stop();
    const duringOutage = await a.tokens.refresh(); // the platform is fine; only Redis is gone
    expect(emulator.isValid(duringOutage.value)).toBe(true);
    expect(a.tokens.getStatus().store.healthy).toBe(false);
    expect(await b.tokens.getAccessToken()).toBe(shared); // still valid: B keeps serving it

    await redis.start();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // ioredis reconnects and resubscribes
    const adopted = firstValueFrom(b.tokens.tokenChanges$.pipe(take(1), timeout(3000)));
    const after = await a.tokens.refresh();

    expect((await adopted).value).toBe(after.value);
    expect(await b.tokens.getAccessToken()).toBe(after.value);
    expect(a.tokens.getStatus().store.healthy).toBe(true);
    expect(b.tokens.getStatus().tokenRequests).toBe(0);
  });
});
