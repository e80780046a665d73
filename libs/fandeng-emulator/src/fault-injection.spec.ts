import { FandengPlatformEmulator } from './emulator.js';
import { EmulatorConfigError } from './emulator-config.error.js';
import type { EmulatorFault } from './faults.js';

const CREDENTIALS = 'grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret';

describe('fault injection', () => {
  let emulator: FandengPlatformEmulator;
  let tokenUrl: string;

  beforeEach(async () => {
    emulator = new FandengPlatformEmulator();
    tokenUrl = `${await emulator.start()}/oauth/token?${CREDENTIALS}`;
  });

  afterEach(() => emulator.stop());

  const post = (init: RequestInit = {}): Promise<Response> =>
    fetch(tokenUrl, { method: 'POST', ...init });

  describe('on the token endpoint', () => {
    it('answers an injected status with its headers and a JSON error by default', async () => {
      emulator.injectFault({ type: 'status', status: 503, headers: { 'Retry-After': '7' } });
      const res = await post();

      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(await res.json()).toEqual({
        error: 'server_error',
        error_description: expect.any(String),
      });
      expect(emulator.counters).toMatchObject({
        tokenRequests: 1,
        tokenErrors: 1,
        tokensIssued: 0,
      });
    });

    it('serves an HTML body with 200 as HTML, counted as neither issue nor error', async () => {
      emulator.injectFault({ type: 'status', status: 200, body: '<html>maintenance</html>' });
      const res = await post();

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toBe('<html>maintenance</html>');
      expect(emulator.counters).toMatchObject({
        tokenRequests: 1,
        tokenErrors: 0,
        tokensIssued: 0,
      });
      expect(emulator.lastIssued()).toBeUndefined();
    });

    it('replaces the whole answer, even for bad credentials', async () => {
      emulator.injectFault({ type: 'status', status: 500 });
      const res = await fetch(tokenUrl.replace('demo-secret', 'wrong'), { method: 'POST' });

      expect(res.status).toBe(500);
    });

    it('delays, then answers normally', async () => {
      emulator.injectFault({ type: 'delay', ms: 200 });
      const started = performance.now();
      const res = await post();

      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(emulator.counters.tokensIssued).toBe(1);
    });

    it('makes a client time out with a long delay, and serves the next request', async () => {
      // 2 s against a 100 ms client timeout: long enough, and well inside the test's 5 s (the
      // delayed answer still runs while the emulator stops; 5 s timed the test out under load).
      emulator.injectFault({ type: 'delay', ms: 2_000 });

      await expect(post({ signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
        name: 'TimeoutError',
      });
      expect((await post()).status).toBe(200);
    });

    it('drops the connection without an answer', async () => {
      emulator.injectFault({ type: 'drop' });

      await expect(post()).rejects.toThrow('fetch failed');
      expect(emulator.counters).toMatchObject({ tokenRequests: 1, tokenErrors: 1 });
      expect((await post()).status).toBe(200);
    });

    it('trickles a body slowly, one byte at a time', async () => {
      const body = '{"value":"t"}';
      emulator.injectFault({ type: 'trickle', body, chunkDelayMs: 20 });
      const started = performance.now();
      const res = await post();
      const text = await res.text();

      expect(res.status).toBe(200);
      expect(text).toBe(body);
      expect(performance.now() - started).toBeGreaterThanOrEqual((body.length - 1) * 20 - 10);
    });

    it('lets a client give up on a trickle', async () => {
      emulator.injectFault({ type: 'trickle', body: 'x'.repeat(100), chunkDelayMs: 50 });
      const res = await post({ signal: AbortSignal.timeout(150) });

      await expect(res.text()).rejects.toMatchObject({ name: 'TimeoutError' });
      expect((await post()).status).toBe(200);
    });

    it.each([
      ['malformed JSON', { type: 'body', body: '{"value":' }, 200, '{"value":'],
      ['an empty body', { type: 'body', body: '' }, 200, ''],
      ['a bean without fields', { type: 'body', body: '{"value":null}' }, 200, '{"value":null}'],
      [
        'a text error',
        { type: 'body', status: 502, body: 'Bad Gateway', contentType: 'text/plain' },
        502,
        'Bad Gateway',
      ],
    ] as [string, EmulatorFault, number, string][])(
      'answers a raw body: %s',
      async (_case, fault, status, body) => {
        emulator.injectFault(fault);
        const res = await post();

        expect(res.status).toBe(status);
        expect(await res.text()).toBe(body);
      },
    );

    it('consumes faults first in, first out, `times` requests each', async () => {
      emulator.injectFault({ type: 'status', status: 500 }, 2);
      emulator.injectFault({ type: 'status', status: 502 });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await post()).status);

      expect(statuses).toEqual([500, 500, 502, 200]);
      expect(emulator.counters).toMatchObject({
        tokenRequests: 4,
        tokenErrors: 3,
        tokensIssued: 1,
      });
    });

    it('keeps an Infinity fault until clearFaults()', async () => {
      emulator.injectFault({ type: 'status', status: 503 }, Infinity);
      emulator.injectApiFault({ type: 'status', status: 500 }, Infinity);
      for (let i = 0; i < 3; i++) expect((await post()).status).toBe(503);

      emulator.clearFaults();
      expect((await post()).status).toBe(200);
    });

    it('rejects an invalid fault, listing every problem', () => {
      const attempt = (): void =>
        emulator.injectFault(
          { type: 'trickle', body: 1 as unknown as string, chunkDelayMs: -1 },
          0,
        );

      expect(attempt).toThrow(EmulatorConfigError);
      expect(attempt).toThrow(/fault\.body.*fault\.chunkDelayMs.*times/);
    });
  });

  describe('on the protected API', () => {
    it('answers an injected 401 and counts it, then serves normally', async () => {
      const { value } = (await (await post()).json()) as { value: string };
      emulator.injectApiFault({ type: 'status', status: 401, body: '{"error":"invalid_token"}' });
      const headers = { Authorization: `Bearer ${value}` };
      const base = emulator.url;

      const first = await fetch(`${base}/api/books`, { headers });
      const second = await fetch(`${base}/api/books`, { headers });

      expect(first.status).toBe(401);
      expect(second.status).toBe(200);
      expect(emulator.counters).toMatchObject({ apiRequests: 2, apiUnauthorized: 1, apiOk: 1 });
    });

    it('keeps API faults apart from token faults', async () => {
      emulator.injectApiFault({ type: 'drop' });

      expect((await post()).status).toBe(200);
      await expect(fetch(`${emulator.url}/api/books`)).rejects.toThrow('fetch failed');
    });
  });
});
