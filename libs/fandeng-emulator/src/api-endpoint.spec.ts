import { FandengPlatformEmulator } from './emulator.js';
import { SAMPLE_BOOKS } from './sample-books.js';

const CREDENTIALS = 'grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret';

describe('protected sample API', () => {
  let emulator: FandengPlatformEmulator;
  let base: string;
  let token: string;

  beforeEach(async () => {
    emulator = new FandengPlatformEmulator();
    base = await emulator.start();
    const res = await fetch(`${base}/oauth/token?${CREDENTIALS}`, { method: 'POST' });
    token = ((await res.json()) as { value: string }).value;
  });

  afterEach(() => emulator.stop());

  const auth = (value: string): Record<string, string> => ({ Authorization: value });

  it('lists books for a valid token, with the client id', async () => {
    const res = await fetch(`${base}/api/books`, { headers: auth(`Bearer ${token}`) });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await res.json()).toEqual({ data: SAMPLE_BOOKS, clientId: 'demo-client' });
    expect(SAMPLE_BOOKS.length).toBeGreaterThanOrEqual(2);
  });

  it('serves any GET path under /api/ and accepts a lower-case scheme', async () => {
    const res = await fetch(`${base}/api/v1/books/42?x=1`, { headers: auth(`bearer ${token}`) });

    expect(res.status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined],
    ['another scheme', 'Basic ZGVtbzpkZW1v'],
    ['an empty bearer', 'Bearer '],
    ['an unknown token', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln'],
  ])('answers 401 invalid_token for %s', async (_case, header) => {
    const res = await fetch(`${base}/api/books`, {
      headers: header === undefined ? {} : auth(header),
    });

    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: expect.any(String),
    });
  });

  it('echoes the JSON body of an authorised POST /api/echo', async () => {
    const payload = { order: 7, items: ['a', 'b'], note: '中文' };
    const res = await fetch(`${base}/api/echo`, {
      method: 'POST',
      headers: { ...auth(`Bearer ${token}`), 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(payload);
  });

  it('rejects POST /api/echo without a valid token, and keeps the socket usable', async () => {
    const rejected = await fetch(`${base}/api/echo`, {
      method: 'POST',
      body: JSON.stringify({ big: 'x'.repeat(100_000) }),
    });
    const next = await fetch(`${base}/api/books`, { headers: auth(`Bearer ${token}`) });

    expect(rejected.status).toBe(401);
    expect(next.status).toBe(200);
  });

  it('answers 400 to an echo body that is not JSON, and null to an empty one', async () => {
    const bad = await fetch(`${base}/api/echo`, {
      method: 'POST',
      headers: auth(`Bearer ${token}`),
      body: '{"broken":',
    });
    const empty = await fetch(`${base}/api/echo`, {
      method: 'POST',
      headers: auth(`Bearer ${token}`),
    });

    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe('invalid_request');
    expect(empty.status).toBe(200);
    expect(await empty.json()).toBeNull();
  });

  it('answers 404 JSON to other routes', async () => {
    const otherMethod = await fetch(`${base}/api/books`, {
      method: 'DELETE',
      headers: auth(`Bearer ${token}`),
    });
    const outside = await fetch(`${base}/books`);
    const bareApi = await fetch(`${base}/api`);

    for (const res of [otherMethod, outside, bareApi]) {
      expect(res.status).toBe(404);
      expect((await res.json()).error).toBe('not_found');
    }
  });

  it('counts API requests, successes and 401s', async () => {
    emulator.resetCounters();
    await fetch(`${base}/api/books`, { headers: auth(`Bearer ${token}`) });
    await fetch(`${base}/api/books`);
    await fetch(`${base}/api/books`, { headers: auth('Bearer nope') });
    await fetch(`${base}/api/books`, { method: 'DELETE', headers: auth(`Bearer ${token}`) });
    await fetch(`${base}/nowhere`);

    expect(emulator.counters).toMatchObject({
      apiRequests: 4,
      apiOk: 1,
      apiUnauthorized: 2,
      tokenRequests: 0,
    });
  });
});
