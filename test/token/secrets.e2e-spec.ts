import { inspect } from 'node:util';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  CLIENT_SECRET,
  bootTokens,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

/**
 * Drives the module through success, refresh, rejection and every kind of failure, then scans
 * all it logged and threw (messages, stacks, causes, status) for the secret and the tokens.
 */
describe('no secret or token leaks', () => {
  let emulator: FandengPlatformEmulator;
  let harness: TokenHarness;

  beforeAll(async () => {
    emulator = await startEmulator({ minTokenLength: 600 });
    harness = await bootTokens(emulator, { requestTimeoutMs: 100 });
  });
  afterAll(async () => {
    await harness.module.close();
    await emulator.stop();
  });

  it('keeps them out of logs, errors and status', async () => {
    const issued: string[] = [];
    const thrown: unknown[] = [];
    const collect = (promise: Promise<unknown>) =>
      promise.catch((error: unknown) => thrown.push(error));
    const { tokens } = harness;

    issued.push(await tokens.getAccessToken());
    await tokens.invalidate(issued[0]);
    issued.push((await tokens.refresh()).value);
    const faults = [
      { type: 'status', status: 500, body: `echo ${CLIENT_SECRET}` },
      {
        type: 'body',
        status: 400,
        body: `{"error":"invalid_request","error_description":"bad secret ${CLIENT_SECRET}"}`,
      },
      { type: 'body', body: '<html>proxy</html>' },
      { type: 'drop' },
      { type: 'delay', ms: 500 },
      { type: 'status', status: 403, body: 'Forbidden' },
    ] as const;
    for (const fault of faults) {
      emulator.injectFault(fault, 3);
      await collect(tokens.refresh());
      emulator.clearFaults();
      await new Promise((resolve) => setTimeout(resolve, 60)); // past the cooldown
    }
    emulator.configure({ clients: { other: 'x' } });
    await collect(tokens.refresh());

    expect(thrown.length).toBeGreaterThanOrEqual(faults.length);
    const haystack = [
      ...harness.logger.lines,
      ...thrown.map((error) => inspect(error, { depth: 10, showHidden: true })),
      ...thrown.map((error) => JSON.stringify(error)),
      JSON.stringify(tokens.getStatus()),
    ].join('\n');
    expect(haystack).not.toContain(CLIENT_SECRET);
    for (const value of issued) expect(haystack).not.toContain(value);
    // The scan looked at real content: the failures are there, by code.
    expect(haystack).toContain('TRANSPORT_ERROR');
    expect(haystack).toContain('INVALID_CLIENT');
  });
});
