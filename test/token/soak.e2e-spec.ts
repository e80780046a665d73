import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { activeResources } from '../support/hardening.js';
import { bootTokens, startEmulator, type TokenHarness } from '../support/token-harness.js';

/**
 * Thousands of refresh cycles against the emulator: nothing may accumulate per cycle. Active
 * resources must be exactly as before, and the heap may grow only by a generous bound (the
 * precise measurement is the bench's 10,000-refresh soak, not this test's).
 */

const WARMUP = 300;
const CYCLES = 3_000;
/** Measured: 1.3-1.8 MiB after a forced GC, the same for 1,000 or 6,000 cycles (JIT warm-up). */
const HEAP_BOUND = 8 * 1024 * 1024;

/**
 * A full GC. `global.gc` when node runs with --expose-gc; otherwise the way jest's own leak
 * detector gets one (jest-leak-detector): without it, used_heap_size swings by +-10 MiB with
 * uncollected garbage and a bound would be either flaky or meaningless.
 */
function collectGarbage(): void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed();
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

async function settledHeap(): Promise<number> {
  let used = Infinity;
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
    used = Math.min(used, getHeapStatistics().used_heap_size);
  }
  return used;
}

/**
 * Active resources, each type at its minimum over ~250 ms: jest's reporter arms a 100 ms timer
 * now and then in this very process, which a single sample would count as ours.
 */
async function steadyResources(): Promise<Record<string, number>> {
  const steady = activeResources();
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const sample = activeResources();
    for (const type of new Set([...Object.keys(steady), ...Object.keys(sample)])) {
      steady[type] = Math.min(steady[type] ?? 0, sample[type] ?? 0);
    }
  }
  return Object.fromEntries(Object.entries(steady).filter(([, count]) => count > 0));
}

describe('refresh soak', () => {
  let emulator: FandengPlatformEmulator;
  let harness: TokenHarness;

  beforeAll(async () => {
    // No quota, and no overlap: superseded tokens leave the emulator's ledger at once, so the
    // heap measures the module, not the emulator's memory of 3,000 valid tokens.
    emulator = await startEmulator({ dailyQuota: Infinity, overlapSeconds: 0 });
    harness = await bootTokens(emulator, { logger: false }, [ScheduleModule.forRoot()]);
  });
  afterAll(async () => {
    await harness.module.close();
    await emulator.stop();
  });

  it(`runs ${CYCLES} refresh cycles with flat resources and bounded heap growth`, async () => {
    const { tokens, module } = harness;
    let changes = 0;
    const subscription = tokens.tokenChanges$.subscribe(() => changes++);
    let last = '';
    for (let i = 0; i < WARMUP; i++) last = (await tokens.refresh()).value;
    const resourcesBefore = await steadyResources();
    const heapBefore = await settledHeap();

    for (let i = 0; i < CYCLES; i++) {
      const token = await tokens.refresh();
      if (token.value === last) throw new Error(`cycle ${i} returned the previous token`);
      last = token.value;
    }
    const heapAfter = await settledHeap();
    const resourcesAfter = await steadyResources();
    subscription.unsubscribe();

    expect(emulator.isValid(last)).toBe(true);
    expect(changes).toBe(WARMUP + CYCLES);
    expect(tokens.getStatus()).toMatchObject({
      tokenRequests: WARMUP + CYCLES,
      consecutiveFailures: 0,
    });
    expect(emulator.counters.tokenRequests).toBe(WARMUP + CYCLES);
    expect(module.get(SchedulerRegistry).getTimeouts()).toHaveLength(1);
    expect(resourcesAfter).toEqual(resourcesBefore);
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_BOUND);
  }, 20_000);
});
