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

/** A platform whose token lives 4 s (1 s overlap), and instances refreshing 1 s ahead: 3 s cycles. */
export const LIFETIME_SECONDS = 4;
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
  /** Business calls: a token asked for and checked by the platform's rule. */
  calls: number;
  /** Calls that got no token (an error reached the caller). */
  failed: number;
  /** Calls that got a token the platform would have refused (a 401 at the caller). */
  rejected: number;
  /** The first few errors, for a failing assertion's message. */
  errors: string[];
  /** Milliseconds during which at least one instance ran on its local fallback (store unhealthy). */
  fallbackMs: number;
}

/**
 * Every instance calls in a loop (a call every 10 ms each) until `done()` says so or `maxMs`
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
  const caller = async ({ tokens }: TokenHarness) => {
    while (running()) {
      figures.calls++;
      try {
        if (!emulator.isValid(await tokens.getAccessToken())) figures.rejected++;
      } catch (error) {
        figures.failed++;
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
