import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import type { EmulatorOptions, FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengShutdownError,
  type FandengAuthModuleOptions,
  type TokenEvent,
} from 'nestjs-fandeng-auth';
import { CaptureLogger } from '../support/capture-logger.js';
import { activeResources, settleResources, waitFor } from '../support/hardening.js';
import {
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

/**
 * Closing the application in every state the token service can be in: it resolves promptly,
 * leaves no scheduled timeout, fails waiting callers with FandengShutdownError, and leaves no
 * timer or socket behind (resources compared with those before the test, jest's own included).
 */

const PROMPT_MS = 1000;
const HANG_MS = 30_000;

interface Scenario {
  name: string;
  emulator?: EmulatorOptions;
  boot?: Partial<FandengAuthModuleOptions>;
  /** Drives the service into the state; returns the promise of a caller left waiting, if any. */
  arrange: (
    h: TokenHarness,
    emulator: FandengPlatformEmulator,
  ) => Promise<{ pending: Promise<unknown> } | void>;
  /** Scheduled timeouts just before the close. */
  timeoutsBefore: number;
}

const requestsReach = (emulator: FandengPlatformEmulator, n: number) =>
  waitFor(() => emulator.counters.tokenRequests >= n, `${n} token request(s)`);

const scenarios: Scenario[] = [
  {
    name: 'a first fetch in flight (platform latency)',
    emulator: { tokenLatencyMs: HANG_MS },
    arrange: async ({ tokens }, emulator) => {
      const pending = tokens.getAccessToken();
      await requestsReach(emulator, 1);
      return { pending };
    },
    timeoutsBefore: 0,
  },
  {
    name: 'a forced refresh in flight with a token held (hang fault)',
    arrange: async ({ tokens }, emulator) => {
      await tokens.getAccessToken();
      emulator.injectFault({ type: 'delay', ms: HANG_MS }, 1);
      const pending = tokens.refresh();
      await requestsReach(emulator, 2);
      return { pending };
    },
    timeoutsBefore: 1, // the held token's own refresh
  },
  {
    // expiresIn 1 (the emulator floors 1.5): the timer fires 0.5-0.6 s after the fetch.
    name: 'the scheduled refresh in flight (1 s lifetime, hang fault)',
    emulator: { tokenLifetimeSeconds: 1.5 },
    arrange: async ({ tokens }, emulator) => {
      await tokens.getAccessToken();
      emulator.injectFault({ type: 'delay', ms: HANG_MS }, 1);
      await requestsReach(emulator, 2); // the timer fired by itself
      expect(tokens.getStatus().refreshing).toBe(true);
    },
    timeoutsBefore: 0,
  },
  {
    name: 'backoff between attempts (503, 5 s delay)',
    boot: { retry: { maxAttempts: 3, initialDelayMs: 5_000, maxDelayMs: 10_000 } },
    arrange: async ({ tokens }, emulator) => {
      emulator.injectFault({ type: 'status', status: 503 }, Infinity);
      const pending = tokens.getAccessToken();
      await requestsReach(emulator, 1);
      await new Promise((resolve) => setTimeout(resolve, 20)); // the answer is in: now sleeping
      return { pending };
    },
    timeoutsBefore: 0,
  },
  {
    name: 'the cooldown after a failed refresh (retry scheduled)',
    boot: { retry: { maxAttempts: 1, initialDelayMs: 10_000, maxCooldownMs: 60_000 } },
    arrange: async ({ tokens }, emulator) => {
      emulator.injectFault({ type: 'status', status: 500 }, Infinity);
      await rejectionOf(tokens.getAccessToken());
    },
    timeoutsBefore: 1,
  },
  {
    name: 'a valid token with its refresh scheduled',
    arrange: async ({ tokens }) => {
      await tokens.getAccessToken();
    },
    timeoutsBefore: 1,
  },
  {
    name: 'fetchOnStart in flight (hang fault)',
    boot: { fetchOnStart: true },
    emulator: { tokenLatencyMs: HANG_MS },
    arrange: async (_, emulator) => {
      await requestsReach(emulator, 1);
    },
    timeoutsBefore: 0,
  },
];

describe('shutdown in every state of the token service', () => {
  let emulator: FandengPlatformEmulator | undefined;
  let harness: TokenHarness | undefined;

  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await emulator?.stop();
    emulator = undefined;
  });

  it.each(scenarios.map((s) => [s.name, s] as const))(
    'closes promptly during %s',
    async (_, scenario) => {
      const before = activeResources();
      emulator = await startEmulator(scenario.emulator);
      harness = await bootTokens(emulator, scenario.boot, [ScheduleModule.forRoot()]);
      const { module, tokens, logger } = harness;
      const scheduler = module.get(SchedulerRegistry);
      const events: TokenEvent['type'][] = [];
      tokens.events$.subscribe((event) => events.push(event.type));
      const waiting = await scenario.arrange(harness, emulator);
      const pending = waiting?.pending.then(
        () => new Error('resolved'),
        (error: unknown) => error,
      );
      expect(scheduler.getTimeouts()).toHaveLength(scenario.timeoutsBefore);
      const requests = emulator.counters.tokenRequests;
      const linesBefore = logger.lines.length;
      const eventsBefore = events.length;

      const started = performance.now();
      await module.close();
      expect(performance.now() - started).toBeLessThan(PROMPT_MS);
      harness = undefined;

      expect(scheduler.getTimeouts()).toEqual([]);
      if (pending) expect(await pending).toBeInstanceOf(FandengShutdownError);
      // After close: a typed refusal, no request, nothing logged or reported as a failure.
      expect(await rejectionOf(tokens.refresh())).toBeInstanceOf(FandengShutdownError);
      await tokens
        .getAccessToken()
        .catch((error: unknown) => expect(error).toBeInstanceOf(FandengShutdownError));
      expect(emulator.counters.tokenRequests).toBe(requests);
      expect(logger.lines.slice(linesBefore).filter((line) => /^(ERROR|WARN)/.test(line))).toEqual(
        [],
      );
      expect(events.slice(eventsBefore)).toEqual([]);

      await emulator.stop();
      emulator = undefined;
      expect(await settleResources(before)).toEqual({});
    },
  );
});

describe('FandengAuthModule closing (real time)', () => {
  let emulator: FandengPlatformEmulator;

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('closes promptly during an in-flight request, failing its callers with a typed error', async () => {
    emulator.injectFault({ type: 'delay', ms: 10_000 }, 1);
    const { module, tokens } = await bootTokens(emulator, {}, [ScheduleModule.forRoot()]);
    const pending = rejectionOf(tokens.getAccessToken());
    await new Promise((resolve) => setTimeout(resolve, 50)); // the request is on the wire

    const started = Date.now();
    await module.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(FandengShutdownError);
    expect(module.get(SchedulerRegistry).getTimeouts()).toEqual([]);
  });

  it('closes promptly during backoff', async () => {
    emulator.injectFault({ type: 'status', status: 503 }, 10);
    const logger = new CaptureLogger();
    const { module, tokens } = await bootTokens(emulator, {
      logger,
      retry: { maxAttempts: 3, initialDelayMs: 5_000, maxDelayMs: 10_000 },
    });
    const pending = rejectionOf(tokens.getAccessToken());
    await new Promise((resolve) => setTimeout(resolve, 100)); // first attempt failed; now sleeping

    const started = Date.now();
    await module.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(FandengShutdownError);
    expect(emulator.counters.tokenRequests).toBe(1);
  });
});
