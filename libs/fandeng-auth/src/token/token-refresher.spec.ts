import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { FandengAuthModuleOptions } from '../interfaces/fandeng-auth-options.interface.js';
import type { TokenEvent } from '../interfaces/token-event.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { RefreshPlanner } from './refresh-plan.js';
import { TokenParts } from './token-parts.js';

/** The platform's socket, simulated: each token request gets `answer(n)` (n counts from 1). */
function platform(answer: (n: number) => { status: number; body: string }) {
  const calls = { tokenRequests: 0 };
  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig) => {
    calls.tokenRequests++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { status, body } = answer(calls.tokenRequests);
    const response: AxiosResponse<string> = {
      status,
      statusText: String(status),
      data: body,
      headers: { 'content-type': 'application/json' },
      config,
    };
    return response;
  };
  return { adapter, calls };
}

const issued = (n: number) => ({
  status: 200,
  body: JSON.stringify({ value: `token-${n}`, tokenType: 'bearer', expiresIn: 7200 }),
});

/** A token obtained `agoMs` ago (negative: later than now), living two hours from then. */
function token(value: string, agoMs = 0): AccessToken {
  const obtainedAt = Date.now() - agoMs;
  return {
    value,
    tokenType: 'bearer',
    expiresIn: 7200,
    obtainedAt: new Date(obtainedAt),
    expiresAt: new Date(obtainedAt + 7_200_000),
    scope: ['ALL'],
  };
}

function setUp(
  answer: (n: number) => { status: number; body: string } = issued,
  options: Partial<FandengAuthModuleOptions> = {},
  store = new InMemoryTokenStore(),
) {
  const resolved = resolveOptions({
    clientId: 'client',
    clientSecret: 'secret-of-the-client',
    logger: false,
    // One attempt per refresh; a cooldown of 10 s or more after a failure (a busy machine must
    // not reach its end within a test).
    retry: { maxAttempts: 1, initialDelayMs: 10_000, maxDelayMs: 10_000, maxCooldownMs: 60_000 },
    ...options,
  });
  const parts = new TokenParts(resolved, '', store);
  const { adapter, calls } = platform(answer);
  const refresher = parts.createRefresher(
    parts.createClient(adapter),
    new RefreshPlanner(resolved),
  );
  const events: TokenEvent['type'][] = [];
  parts.events.events$.subscribe((event) => events.push(event.type));
  const stop = () => {
    parts.shutdown.abort();
    parts.timer.clear();
    refresher.probe.stop();
  };
  return { refresher, calls, events, store, parts, stop };
}

describe('TokenRefresher', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('sends one request for every caller that arrives while it runs', async () => {
    const run = setUp();
    stop = run.stop;
    const values = await Promise.all(Array.from({ length: 10 }, () => run.refresher.obtain(false)));

    expect(new Set(values.map((t) => t.value))).toEqual(new Set(['token-1']));
    expect(run.calls.tokenRequests).toBe(1);
    expect(run.events).toEqual(['refresh-started', 'fetched']);
    expect((await run.store.get('token:client'))?.value).toBe('token-1');
  });

  it("adopts a peer's stored token instead of asking the platform", async () => {
    const run = setUp();
    stop = run.stop;
    await run.store.set('token:client', token('from-a-peer', 1_000));

    expect((await run.refresher.obtain(false)).value).toBe('from-a-peer');
    expect(run.calls.tokenRequests).toBe(0);
    expect(run.events).toEqual(['adopted']);
  });

  it("takes a peer's announced token only if it was obtained later than its own", async () => {
    const run = setUp();
    stop = run.stop;
    const own = await run.refresher.obtain(false);

    run.refresher.onPeerToken(token('older', 60_000));
    expect(run.refresher.held?.token.value).toBe(own.value);
    run.refresher.onPeerToken(token('newer', -1_000));
    expect(run.refresher.held?.token.value).toBe('newer');
  });

  it('ends on the newer token a peer stored while its own request was on its way', async () => {
    const store = new InMemoryTokenStore();
    const run = setUp(
      (n) => {
        // A peer (which fetched alone, later) stores its token before ours gets there.
        void store.set('token:client', token('a-peer-s-newer', -2_000));
        return issued(n);
      },
      {},
      store,
    );
    stop = run.stop;

    const obtained = await run.refresher.obtain(true);

    expect(obtained.value).toBe('a-peer-s-newer');
    expect(run.refresher.held?.token.value).toBe('a-peer-s-newer');
    expect((await store.get('token:client'))?.value).toBe('a-peer-s-newer');
    expect(run.events).toEqual(['refresh-started', 'fetched', 'adopted']);
  });

  it('keeps a rejected token while it is young, and drops it once old enough', async () => {
    const run = setUp(issued, { minRefreshIntervalSeconds: 10 });
    stop = run.stop;
    const young = await run.refresher.obtain(false);
    expect(run.refresher.reject(young.value)).toBe(false);
    expect(run.refresher.held?.token.value).toBe(young.value);

    const later = setUp(issued, { minRefreshIntervalSeconds: 10 });
    const stopFirst = stop;
    stop = () => {
      stopFirst();
      later.stop();
    };
    await later.store.set('token:client', token('eleven-seconds-old', 11_000));
    const old = await later.refresher.obtain(false);
    expect(later.refresher.reject('a token it never held')).toBe(false);
    expect(later.refresher.reject(old.value)).toBe(true);
    expect(later.refresher.held).toBeUndefined();
  });

  it('refuses callers during the cooldown after a failure, without another request', async () => {
    const run = setUp(() => ({ status: 503, body: '{"error":"server_error"}' }));
    stop = run.stop;

    await expect(run.refresher.obtain(false)).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await expect(run.refresher.obtain(false)).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    expect(run.calls.tokenRequests).toBe(1);
    expect(run.refresher.failures.consecutive).toBe(1);
    expect(run.events).toEqual(['refresh-started', 'failed']);
  });
});
