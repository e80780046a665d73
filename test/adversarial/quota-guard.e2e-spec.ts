import { jest } from '@jest/globals';
import axios from 'axios';
import {
  InMemoryTokenStore,
  installTokenInterceptor,
  type AccessToken,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import {
  DAY_MS,
  bootSimulated,
  hubToken,
  platformToken,
  simulate,
  SimulatedSource,
  type Answer,
  type SimulatedModule,
} from './simulated-platform.js';

/** The default dailyTokenBudget (README, options). */
const DEFAULT_DAILY_TOKEN_BUDGET = 2000;

const MINUTE_MS = 60_000;
/** A hub consumer's own pace: asking a hub costs no quota, but is never a storm. */
const HUB_REQUESTS_PER_DAY = 17_280;

/** A store whose token was obtained a day from now: a buggy writer, a clock, an attacker. */
class FutureTokenStore extends InMemoryTokenStore {
  override async get(): Promise<AccessToken | undefined> {
    const now = Date.now();
    return {
      value: 'planted-by-someone-else',
      tokenType: 'bearer',
      expiresIn: 7200,
      obtainedAt: new Date(now + DAY_MS),
      expiresAt: new Date(now + DAY_MS + 7_200_000),
      scope: [],
    };
  }
}

interface Scenario {
  name: string;
  answer: (request: number) => Answer;
  options?: Partial<FandengAuthModuleOptions>;
  /** The caller, once a simulated minute: by default it asks for the token. */
  caller?: (booted: SimulatedModule) => Promise<unknown>;
  /** Token requests a day that the module may make in this scenario. */
  limit: number;
}

/** An API that answers 401 to everything, whatever the token: a caller signs its call with it. */
function apiThatRejectsEverything(booted: SimulatedModule): () => Promise<unknown> {
  const api = axios.create({
    baseURL: 'http://127.0.0.1:9',
    adapter: (config) =>
      Promise.reject(
        new axios.AxiosError(
          '401',
          'ERR_BAD_REQUEST',
          config,
          {},
          {
            status: 401,
            statusText: 'Unauthorized',
            data: '',
            headers: {},
            config,
          },
        ),
      ),
  });
  installTokenInterceptor(api, booted.tokens, { authorizedOrigins: ['http://127.0.0.1:9'] });
  return () => api.get('/api/books');
}

const scenarios: Scenario[] = [
  {
    name: 'expiresIn 1 (one-second tokens)',
    answer: () => platformToken(1),
    limit: DEFAULT_DAILY_TOKEN_BUDGET,
  },
  {
    name: 'expiresIn 0.001',
    answer: () => platformToken(0.001),
    limit: DEFAULT_DAILY_TOKEN_BUDGET,
  },
  {
    name: 'a platform failing with 503, retry pauses of 1 ms',
    answer: () => ({ status: 503, body: '' }),
    options: { retry: { initialDelayMs: 1, maxDelayMs: 1, maxCooldownMs: 1 } },
    limit: DEFAULT_DAILY_TOKEN_BUDGET,
  },
  {
    name: 'an API that answers 401 to every call',
    answer: () => platformToken(7200),
    caller: (booted) => apiThatRejectsEverything(booted)(),
    limit: DEFAULT_DAILY_TOKEN_BUDGET,
  },
  {
    name: 'an API that answers 401 to every call, minRefreshIntervalSeconds 0',
    answer: () => platformToken(7200),
    options: { minRefreshIntervalSeconds: 0 },
    caller: (booted) => apiThatRejectsEverything(booted)(),
    limit: DEFAULT_DAILY_TOKEN_BUDGET,
  },
  {
    name: 'a store token obtained in the future, and an API that answers 401',
    answer: () => platformToken(7200),
    options: { store: new FutureTokenStore() },
    caller: (booted) => apiThatRejectsEverything(booted)(),
    limit: DEFAULT_DAILY_TOKEN_BUDGET,
  },
  {
    name: 'a hub answering ageSeconds 1e300',
    answer: () => hubToken({ expiresInSeconds: 3600, ageSeconds: 1e300 }),
    options: { hub: { url: 'http://127.0.0.1:9/hub', apiKey: 'k'.repeat(20) } },
    limit: HUB_REQUESTS_PER_DAY,
  },
  {
    name: 'a hub answering expiresInSeconds 1e-9',
    answer: () => hubToken({ expiresInSeconds: 1e-9, ageSeconds: 0 }),
    options: { hub: { url: 'http://127.0.0.1:9/hub', apiKey: 'k'.repeat(20) } },
    limit: HUB_REQUESTS_PER_DAY,
  },
  {
    name: 'a hub answering renewsInSeconds 0 with a token about to expire',
    answer: () => hubToken({ expiresInSeconds: 1, ageSeconds: 7199, renewsInSeconds: 0 }),
    options: { hub: { url: 'http://127.0.0.1:9/hub', apiKey: 'k'.repeat(20) } },
    limit: HUB_REQUESTS_PER_DAY,
  },
];

/**
 * The quota guard: whatever the platform, a hub, the store or the options say, token requests in
 * a simulated day stay under the budget (the platform's daily limit is the one thing the module
 * must never spend). Each scenario runs 24 hours of fake time with a caller every minute.
 */
describe('adversarial: the quota guard', () => {
  let booted: SimulatedModule | undefined;

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
  });
  afterEach(async () => {
    await booted?.module.close();
    booted = undefined;
    jest.useRealTimers();
  });

  it.each(scenarios.map((s) => [s.name, s] as const))(
    'keeps a day under the budget: %s',
    async (_, scenario) => {
      const source = new SimulatedSource(scenario.answer);
      booted = await bootSimulated(source, scenario.options);
      const { tokens } = booted;
      const caller = scenario.caller ?? (() => tokens.getAccessToken());

      await simulate(DAY_MS, MINUTE_MS, () => caller(booted!));

      // Every token request that left was counted, and stayed under the day's limit; the
      // recovery probes (no quota) came at most one per 2 s.
      const probes = tokens.getMetrics().recovery.probes;
      const requests = source.requests - probes;
      expect(tokens.getStatus().tokenRequests).toBe(requests);
      expect(requests).toBeLessThanOrEqual(scenario.limit);
      expect(requests).toBeGreaterThan(0);
      expect(probes).toBeLessThanOrEqual(DAY_MS / 2000);
      process.stdout.write(
        `quota guard | ${scenario.name}: ${requests} token requests and ${probes} probes a day\n`,
      );
    },
    60_000,
  );
});
