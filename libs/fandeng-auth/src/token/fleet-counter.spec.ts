import type { ModuleLogger } from '../fandeng-auth.logger.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import { FleetCounter } from './fleet-counter.js';
import { StoreLink } from './store-link.js';
import { TokenMetrics } from './token-metrics.js';

const quiet: ModuleLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** A shared store's counters, in memory: what Redis does with INCR per key and date. */
function countingStore(): TokenStore & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    get: async () => undefined,
    set: async (_key: string, _token: AccessToken) => undefined,
    delete: async () => undefined,
    incrementTokenRequests: async (key, date) => {
      const next = (counts.get(`${key}:${date}`) ?? 0) + 1;
      counts.set(`${key}:${date}`, next);
      return next;
    },
    getTokenRequests: async (key, date) => counts.get(`${key}:${date}`) ?? 0,
  };
}

function setUp(platform = true) {
  const store = countingStore();
  const metrics = new TokenMetrics(
    { dailyTokenBudget: 100, budgetWarnShare: 0.8, budgetUtcOffsetMinutes: 0 },
    quiet,
    platform,
  );
  const link = new StoreLink(
    store,
    { token: 'token:a:client', count: 'token:client', probe: 'probe:token:a:client' },
    quiet,
    metrics,
  );
  const shutdown = new AbortController();
  return { store, metrics, shutdown, counter: new FleetCounter(link, metrics, shutdown.signal) };
}

describe('FleetCounter', () => {
  it("counts each request under the client's key and reads the fleet's count back", async () => {
    const { store, metrics, counter } = setUp();
    counter.countRequest();
    counter.countRequest();
    await counter.settle();
    const date = metrics.platformDate();
    expect(store.counts.get(`token:client:${date}`)).toBe(2);

    store.counts.set(`token:client:${date}`, 7); // the peers' requests
    counter.readAfterAdoption();
    await counter.settle();
    expect(
      metrics.snapshot({ valid: false, secondsToExpiry: null, consecutiveFailures: 0 }, 'platform')
        .tokenRequests.fleetToday,
    ).toBe(7);
  });

  it('counts nothing fleet-wide for a hub consumer, and nothing after shutdown', async () => {
    const hub = setUp(false);
    hub.counter.countRequest();
    await hub.counter.settle();
    expect(hub.store.counts.size).toBe(0);

    const stopped = setUp();
    stopped.shutdown.abort();
    stopped.counter.countRequest();
    await stopped.counter.settle();
    expect(stopped.store.counts.size).toBe(0);
  });
});
