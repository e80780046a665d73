import { Test } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { FandengAuthModule, TokenService } from 'nestjs-fandeng-auth';
import { RefreshPlanner, type TokenPlan } from '../../libs/fandeng-auth/src/token/refresh-plan.js';
import { TokenClient } from '../../libs/fandeng-auth/src/token/token-client.js';
import { monotonicNow } from '../../libs/fandeng-auth/src/token/clock.js';
import type { AccessToken } from '../../libs/fandeng-auth/src/interfaces/access-token.interface.js';
import type { FetchedToken } from '../../libs/fandeng-auth/src/sources/token-endpoint.interface.js';
import { waitFor } from '../support/hardening.js';
import { CLIENT_ID, CLIENT_SECRET, FAST_RETRY, startEmulator } from '../support/token-harness.js';

// TokenService is a facade over providers of its registration (token/token.providers.ts):
// a test, or a user, swaps one with overrideProvider and the rest carry on unchanged.
describe("TokenService's collaborators are providers", () => {
  let emulator: FandengPlatformEmulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.stop());

  const registration = () =>
    FandengAuthModule.forRoot({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      baseUrl: emulator.url,
      retry: FAST_RETRY,
      dailyTokenBudget: 10_000_000,
      logger: false,
    });

  it('overrideProvider(RefreshPlanner) decides when the timer refreshes', async () => {
    class SoonPlanner extends RefreshPlanner {
      planned = 0;
      override plan(token: AccessToken, renewedFrom?: number): TokenPlan {
        const plan = super.plan(token, renewedFrom);
        // The real plan of a 2 h token refreshes after ~1h55; this one refreshes the first after 30 ms.
        return this.planned++ === 0 ? { ...plan, refreshAt: monotonicNow() + 30 } : plan;
      }
    }
    const module = await Test.createTestingModule({ imports: [registration()] })
      .overrideProvider(RefreshPlanner)
      .useFactory({ factory: () => new SoonPlanner({ ...planOptions }) })
      .compile();
    await module.init();
    try {
      const tokens = module.get(TokenService);
      const first = await tokens.getAccessToken();
      await waitFor(() => tokens.peekToken()?.value !== first, 'the planned refresh', 5_000);
      expect(emulator.isValid(await tokens.getAccessToken())).toBe(true);
      expect(emulator.counters.tokenRequests).toBe(2); // the second token got the real plan
    } finally {
      await module.close();
    }
  });

  it('overrideProvider(TokenClient) replaces the source: single flight, no network', async () => {
    let fetches = 0;
    const fake = {
      requestCount: 0,
      description: 'a fake source',
      fetch: async (): Promise<FetchedToken> => {
        fetches++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        const now = Date.now();
        return {
          token: {
            value: `fake-${fetches}`,
            tokenType: 'bearer',
            expiresIn: 7200,
            expiresAt: new Date(now + 7_200_000),
            obtainedAt: new Date(now),
            scope: ['ALL'],
          },
        };
      },
      probe: async () => true,
    };
    const module = await Test.createTestingModule({ imports: [registration()] })
      .overrideProvider(TokenClient)
      .useValue(fake)
      .compile();
    await module.init();
    try {
      const tokens = module.get(TokenService);
      const values = await Promise.all(Array.from({ length: 20 }, () => tokens.getAccessToken()));
      expect(new Set(values)).toEqual(new Set(['fake-1']));
      expect(fetches).toBe(1);
      expect(emulator.counters.tokenRequests).toBe(0);
    } finally {
      await module.close();
    }
  });
});

const planOptions = {
  refreshAheadSeconds: 300,
  refreshAheadShare: 0.5, // what resolveOptions gives a refreshAheadSeconds that is set
  refreshJitter: 0,
  retry: { ...FAST_RETRY },
  minRefreshIntervalSeconds: 0,
};
