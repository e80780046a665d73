import { HttpService } from '@nestjs/axios';
import { isAxiosError } from 'axios';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import type { FandengAuthModuleOptions } from 'nestjs-fandeng-auth';
import { HAS_REDIS_SERVER } from '../support/redis-servers.js';
import { bootTokens, startEmulator, type TokenHarness } from '../support/token-harness.js';

/**
 * The topology suites need the `redis-server` binary. Where it is missing they are skipped with a
 * message, except under CI (`CI` set, as `.ci/run` does), where they fail: never silently green.
 */
export const describeWithRedisServer: typeof describe =
  HAS_REDIS_SERVER || process.env.CI ? describe : skipWithMessage();

function skipWithMessage(): typeof describe.skip {
  console.warn('redis-server is not on the PATH: the Redis topology suites are skipped');
  return describe.skip;
}

/**
 * A platform whose token lives 5 s (1 s overlap), and instances refreshing 1 s ahead: 4 s cycles,
 * so a failover (1.5-2.5 s) started just after a refresh ends before the next one, even on a busy
 * machine.
 */
export const LIFETIME_SECONDS = 5;
export const REFRESH_AHEAD_SECONDS = 1;
export const CYCLE_MS = (LIFETIME_SECONDS - REFRESH_AHEAD_SECONDS) * 1000;

export function startShortLivedEmulator(): Promise<FandengPlatformEmulator> {
  return startEmulator({ tokenLifetimeSeconds: LIFETIME_SECONDS, overlapSeconds: 1 });
}

/** `count` app instances on the emulator, each with the store `storeOf(i)` gives. */
export async function bootFleet(
  emulator: FandengPlatformEmulator,
  count: number,
  storeOf: (i: number) => FandengAuthModuleOptions['store'],
): Promise<TokenHarness[]> {
  const fleet: TokenHarness[] = [];
  for (let i = 0; i < count; i++) {
    fleet.push(
      await bootTokens(emulator, {
        store: storeOf(i),
        refreshAheadSeconds: REFRESH_AHEAD_SECONDS,
      }),
    );
  }
  return fleet;
}

/** What the callers of a fleet saw during a load run. */
export interface LoadFigures {
  /** Business calls: `GET /api/books` on the platform through the module's `HttpService`. */
  calls: number;
  /** Calls that failed otherwise than with a 401 (no token, a transport error). */
  failed: number;
  /** Calls whose 401 reached the caller (after the module's own retry with a new token). */
  rejected: number;
  /** The first few errors, for a failing assertion's message. */
  errors: string[];
  /** Milliseconds during which at least one instance ran on its local fallback (store unhealthy). */
  fallbackMs: number;
}

/**
 * Every instance calls the platform's API in a loop (a call every 10 ms each) until `done()` says so or `maxMs`
 * passes; meanwhile the store health of each instance is sampled every 25 ms.
 */
export async function runLoad(
  emulator: FandengPlatformEmulator,
  fleet: TokenHarness[],
  maxMs: number,
  done: () => boolean = () => false,
): Promise<LoadFigures> {
  const figures: LoadFigures = { calls: 0, failed: 0, rejected: 0, errors: [], fallbackMs: 0 };
  const deadline = Date.now() + maxMs;
  const running = () => Date.now() < deadline && !done();
  const caller = async ({ module }: TokenHarness) => {
    const http = module.get(HttpService);
    while (running()) {
      figures.calls++;
      try {
        await http.axiosRef.get(`${emulator.url}/api/books`);
      } catch (error) {
        if (isAxiosError(error) && error.response?.status === 401) figures.rejected++;
        else figures.failed++;
        if (figures.errors.length < 5) figures.errors.push(String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const sampler = async () => {
    while (running()) {
      const before = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 25));
      if (fleet.some(({ tokens }) => !tokens.getStatus().store.healthy)) {
        figures.fallbackMs += Date.now() - before;
      }
    }
  };
  await Promise.all([...fleet.map(caller), sampler()]);
  return figures;
}

/** The most platform token requests a shared fleet may make in `elapsedMs`: its cycles plus `slack`. */
export function cyclesPlus(elapsedMs: number, slack: number): number {
  return Math.ceil(elapsedMs / CYCLE_MS) + slack;
}

/** Resolves at the next refresh of any instance of the fleet (a new token in use). */
export function nextRefresh(fleet: TokenHarness[]): Promise<void> {
  return new Promise((resolve) => {
    const subscriptions = fleet.map(({ tokens }) =>
      tokens.events$.subscribe((event) => {
        if (event.type !== 'refreshed') return;
        for (const subscription of subscriptions) subscription.unsubscribe();
        resolve();
      }),
    );
  });
}

/**
 * The per-test state of a topology suite: a short-lived emulator, the fleet, and the Redis
 * clients made for it (an application's own, which the stores do not close).
 */
export class TopologyRun {
  emulator!: FandengPlatformEmulator;
  fleet: TokenHarness[] = [];
  private readonly clients: { disconnect(): void }[] = [];

  /** Keeps `client` to disconnect it after the test. */
  track<C extends { disconnect(): void }>(client: C): C {
    this.clients.push(client);
    return client;
  }

  async start(): Promise<void> {
    this.emulator = await startShortLivedEmulator();
  }

  async stop(): Promise<void> {
    for (const { module } of this.fleet.splice(0)) await module.close();
    for (const client of this.clients.splice(0)) client.disconnect();
    await this.emulator.stop();
  }
}
