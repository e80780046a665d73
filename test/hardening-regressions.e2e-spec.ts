import { Redis } from 'ioredis';
import { Test } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengAuthModule,
  FandengOptionsError,
  FandengShutdownError,
  RedisTokenStore,
} from 'nestjs-fandeng-auth';
import { waitFor } from './support/hardening.js';
import { REDIS_URL, deleteUnder, testPrefix } from './support/redis.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from './support/token-harness.js';

/**
 * Library bugs the hardening matrix found (issue 7, part 5). Each test fails until its fix is
 * applied in libs/; the fixes are proposed in the hardening report.
 */

describe('regression: closing mid-refresh on a shared Redis store', () => {
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

describe('regression: a baseUrl with a query string or fragment', () => {
  // tokenUrl is `${baseUrl}${tokenPath}`: with `?` or `#` in baseUrl the path lands inside the
  // query (or the fragment), and every token request goes to `/` of the host, failing at run
  // time with a 404 instead of at boot.
  it.each(['http://127.0.0.1:9/?tenant=a', 'http://127.0.0.1:9/#platform'])(
    'refuses %s at boot, naming baseUrl',
    async (baseUrl) => {
      const error = await rejectionOf(
        Test.createTestingModule({
          imports: [
            FandengAuthModule.forRoot({
              clientId: CLIENT_ID,
              clientSecret: CLIENT_SECRET,
              baseUrl,
              logger: false,
            }),
          ],
        }).compile(),
      );

      expect(error).toBeInstanceOf(FandengOptionsError);
      expect((error as FandengOptionsError).problems.map((p) => p.split(':')[0])).toEqual([
        'baseUrl',
      ]);
    },
  );
});
