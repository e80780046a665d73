import { createServer } from 'node:net';
import { FandengPlatformEmulator } from 'fandeng-emulator';
import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengPacedError } from '../errors/fandeng-paced.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import type { FandengAuthModuleOptions } from '../interfaces/fandeng-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { PlatformTokenEndpoint } from '../sources/platform-token.endpoint.js';
import { RequestPacer } from './request-pacer.js';
import { TokenClient, type TokenClientHooks } from './token-client.js';

const CLIENT_ID = 'unit-client';
const SECRET = 'unit-secret-7d1e9a0c55';

// The real HTTP path: the emulator on 127.0.0.1, no mocked axios.
describe('TokenClient', () => {
  let emulator: FandengPlatformEmulator;
  const shutdown = new AbortController();

  beforeEach(async () => {
    emulator = new FandengPlatformEmulator({ clients: { [CLIENT_ID]: SECRET } });
    await emulator.start();
  });
  afterEach(() => emulator.stop());
  afterAll(() => shutdown.abort());

  function client(
    options: Partial<FandengAuthModuleOptions> = {},
    hooks: TokenClientHooks = {},
  ): TokenClient {
    const resolved = resolveOptions({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      baseUrl: emulator.url,
      logger: false,
      retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 20, maxCooldownMs: 50 },
      ...options,
    });
    return new TokenClient(new PlatformTokenEndpoint(resolved), resolved, shutdown.signal, hooks);
  }

  it('gets a token the platform accepts with one request, and counts that request', async () => {
    let counted = 0;
    const tokens = client({}, { onRequest: () => counted++ });
    const { token } = await tokens.fetch(3);

    expect(emulator.isValid(token.value)).toBe(true);
    expect(token.value).toBe(emulator.lastIssued(CLIENT_ID));
    expect([tokens.requestCount, counted, emulator.counters.tokenRequests]).toEqual([1, 1, 1]);
  });

  it('retries a transient answer (503) and returns the next good one', async () => {
    emulator.injectFault({ type: 'status', status: 503 }, 2);
    const { token } = await client().fetch(3);

    expect(emulator.isValid(token.value)).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(3);
  });

  it('does not retry refused credentials, and never shows the secret', async () => {
    const refused = client({ clientSecret: 'wrong-secret-0a1b2c3d' });
    const error = await refused.fetch(3).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect(error).toMatchObject({ code: 'INVALID_CLIENT', retryable: false });
    expect(emulator.counters.tokenRequests).toBe(1);
    const shown = JSON.stringify(error) + String((error as Error).message);
    expect(shown).not.toContain('wrong-secret-0a1b2c3d');
  });

  it('ends a request that gets no answer within requestTimeoutMs', async () => {
    emulator.injectFault({ type: 'delay', ms: 2_000 });
    const started = Date.now();
    const error = await client({ requestTimeoutMs: 100 })
      .fetch(1)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FandengTransportError);
    expect((error as Error).message).toMatch(/no answer within 100 ms/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('sends nothing once its pacer has no slot left', async () => {
    const pacer = new RequestPacer(1); // a burst of one request a day
    const paced = client({}, { pacer });
    await paced.fetch(1);

    await expect(paced.fetch(3)).rejects.toBeInstanceOf(FandengPacedError);
    expect(emulator.counters.tokenRequests).toBe(1);
    expect(paced.requestCount).toBe(1);
  });

  it('probes at no quota: alive while the platform answers, not when nothing listens', async () => {
    const probing = client();
    expect(await probing.probe()).toBe(true);
    // It reaches the token path, but with no credentials: nothing issued, nothing counted here.
    expect(emulator.counters.tokensIssued).toBe(0);
    expect(emulator.counters.tokenRequestsByClient).toEqual({});
    expect(probing.requestCount).toBe(0);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    expect(await client({ baseUrl: `http://127.0.0.1:${port}` }).probe()).toBe(false);
  });
});
