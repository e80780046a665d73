import { FandengPlatformEmulator } from './emulator.js';
import type { EmulatorOptions } from './emulator-options.js';
import { decodeJwtPayload } from './jwt.js';

const CREDENTIALS = {
  grant_type: 'client_credentials',
  client_id: 'demo-client',
  client_secret: 'demo-secret',
};

function tokenUrl(base: string, params: Record<string, string> = CREDENTIALS): string {
  return `${base}/oauth/token?${new URLSearchParams(params).toString()}`;
}

describe('token endpoint', () => {
  let emulator: FandengPlatformEmulator;
  let base: string;

  async function start(options?: EmulatorOptions): Promise<void> {
    emulator = new FandengPlatformEmulator(options);
    base = await emulator.start();
  }

  afterEach(() => emulator.stop());

  it('answers the documented bean shape with the platform content type', async () => {
    await start();
    const before = Date.now();
    const res = await fetch(tokenUrl(base), { method: 'POST' });
    const body = (await res.json()) as Record<string, unknown>;

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(body)).toEqual([
      'additionalInformation',
      'expiration',
      'expired',
      'expiresIn',
      'scope',
      'tokenType',
      'value',
    ]);
    expect(body).toEqual({
      additionalInformation: { jti: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      expiration: expect.any(Number),
      expired: false,
      expiresIn: 7200,
      scope: ['ALL'],
      tokenType: 'bearer',
      value: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(body.expiration).toBeGreaterThanOrEqual(before + 7200_000);
    expect(body.expiration).toBeLessThanOrEqual(Date.now() + 7200_000);
  });

  it('issues an HS256 JWT carrying scope, exp, jti and client_id', async () => {
    await start();
    const body = await (await fetch(tokenUrl(base), { method: 'POST' })).json();
    const [header] = (body.value as string).split('.');

    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    expect(decodeJwtPayload(body.value)).toEqual({
      scope: ['ALL'],
      exp: Math.floor(body.expiration / 1000),
      jti: body.additionalInformation.jti,
      client_id: 'demo-client',
    });
  });

  it('reports the configured lifetime, floored to whole seconds', async () => {
    await start({ tokenLifetimeSeconds: 90.7 });
    const before = Date.now();
    const body = await (await fetch(tokenUrl(base), { method: 'POST' })).json();

    expect(body.expiresIn).toBe(90);
    expect(body.expiration).toBeGreaterThanOrEqual(before + 90_700);
    expect(body.expiration).toBeLessThanOrEqual(Date.now() + 90_700);
  });

  it('issues a new token on every call', async () => {
    await start();
    const first = await (await fetch(tokenUrl(base), { method: 'POST' })).json();
    const second = await (await fetch(tokenUrl(base), { method: 'POST' })).json();

    expect(second.value).not.toBe(first.value);
    expect(second.additionalInformation.jti).not.toBe(first.additionalInformation.jti);
    expect(emulator.lastIssued('demo-client')).toBe(second.value);
  });

  it('rejects a wrong secret or an unknown client with invalid_client', async () => {
    await start({ clients: { alpha: 'a-secret' } });
    const wrongSecret = await fetch(
      tokenUrl(base, { ...CREDENTIALS, client_id: 'alpha', client_secret: 'nope' }),
      { method: 'POST' },
    );
    const unknown = await fetch(tokenUrl(base, { ...CREDENTIALS, client_id: 'demo-client' }), {
      method: 'POST',
    });

    for (const res of [wrongSecret, unknown]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: 'invalid_client',
        error_description: 'Bad client credentials',
      });
    }
  });

  it('answers 405 JSON for any method other than POST', async () => {
    await start();
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(tokenUrl(base), { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.json()).toEqual({
        error: 'method_not_allowed',
        error_description: expect.any(String),
      });
    }
  });

  it.each([
    ['grant_type', 'Missing grant type'],
    ['client_id', 'Missing client_id'],
    ['client_secret', 'Missing client_secret'],
  ])('answers 400 invalid_request when %s is missing', async (missing, description) => {
    await start();
    const params: Record<string, string> = { ...CREDENTIALS };
    delete params[missing];
    const res = await fetch(tokenUrl(base, params), { method: 'POST' });

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: description });
  });

  it('answers 400 unsupported_grant_type for another grant', async () => {
    await start();
    const res = await fetch(tokenUrl(base, { ...CREDENTIALS, grant_type: 'password' }), {
      method: 'POST',
    });

    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('unsupported_grant_type');
  });

  it('answers 429 quota_exceeded past the daily quota, per client', async () => {
    await start({ dailyQuota: 2, clients: { a: 'sa', b: 'sb' } });
    const call = (id: string, secret: string): Promise<Response> =>
      fetch(tokenUrl(base, { ...CREDENTIALS, client_id: id, client_secret: secret }), {
        method: 'POST',
      });

    expect((await call('a', 'sa')).status).toBe(200);
    expect((await call('a', 'sa')).status).toBe(200);
    const over = await call('a', 'sa');
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({
      error: 'quota_exceeded',
      error_description: expect.any(String),
    });
    expect((await call('b', 'sb')).status).toBe(200);

    emulator.resetQuota();
    expect((await call('a', 'sa')).status).toBe(200);
  });

  it('checks credentials before the quota, so bad credentials never spend it', async () => {
    await start({ dailyQuota: 1 });
    const bad = await fetch(tokenUrl(base, { ...CREDENTIALS, client_secret: 'x' }), {
      method: 'POST',
    });
    const good = await fetch(tokenUrl(base), { method: 'POST' });

    expect(bad.status).toBe(401);
    expect(good.status).toBe(200);
  });

  it('answers a gateway 403 in plain text to an address off the allowlist', async () => {
    await start({ ipAllowlist: ['10.20.30.40'] });
    const res = await fetch(tokenUrl(base), { method: 'POST' });
    const text = await res.text();

    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toBe('Forbidden');
    expect(() => JSON.parse(text)).toThrow();
    expect(emulator.counters.tokensIssued).toBe(0);
  });

  it.each([['127.0.0.1'], ['::ffff:127.0.0.1']])(
    'lets an allowlisted address through (%s)',
    async (entry) => {
      await start({ ipAllowlist: ['10.20.30.40', entry] });
      const res = await fetch(tokenUrl(base), { method: 'POST' });

      expect(res.status).toBe(200);
    },
  );

  it('answers the RFC 6749 shape when asked', async () => {
    await start({ responseFormat: 'rfc6749', tokenLifetimeSeconds: 600 });
    const body = await (await fetch(tokenUrl(base), { method: 'POST' })).json();

    expect(body).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: 'bearer',
      expires_in: 600,
      scope: 'ALL',
      jti: decodeJwtPayload(body.access_token).jti,
    });
    expect(emulator.isValid(body.access_token)).toBe(true);
  });

  it('pads tokens to minTokenLength inside a JWT claim', async () => {
    await start({ minTokenLength: 600 });
    const { value } = await (await fetch(tokenUrl(base), { method: 'POST' })).json();

    expect(value.length).toBeGreaterThanOrEqual(600);
    expect(value.length).toBeLessThanOrEqual(601);
    expect(decodeJwtPayload(value).pad).toEqual(expect.stringMatching(/^x+$/));
    expect(emulator.isValid(value)).toBe(true);
  });

  it('adds no padding claim by default', async () => {
    await start();
    const { value } = await (await fetch(tokenUrl(base), { method: 'POST' })).json();

    expect(decodeJwtPayload(value)).not.toHaveProperty('pad');
  });

  it('waits tokenLatencyMs before answering', async () => {
    await start({ tokenLatencyMs: 150 });
    const started = performance.now();
    const res = await fetch(tokenUrl(base), { method: 'POST' });

    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('counts requests, issues and errors, per client id as sent', async () => {
    await start();
    await fetch(tokenUrl(base), { method: 'POST' });
    await fetch(tokenUrl(base), { method: 'POST' });
    await fetch(tokenUrl(base, { ...CREDENTIALS, client_id: 'ghost' }), { method: 'POST' });
    await fetch(tokenUrl(base), { method: 'GET' });
    await fetch(tokenUrl(base, { grant_type: 'client_credentials' }), { method: 'POST' });

    expect(emulator.counters).toEqual({
      tokenRequests: 5,
      tokensIssued: 2,
      tokenErrors: 3,
      tokenRequestsByClient: { 'demo-client': 3, ghost: 1 },
      apiRequests: 0,
      apiOk: 0,
      apiUnauthorized: 0,
    });
  });

  it('resets the live counters object in place', async () => {
    await start();
    const counters = emulator.counters;
    await fetch(tokenUrl(base), { method: 'POST' });
    emulator.resetCounters();

    expect(counters).toBe(emulator.counters);
    expect(counters.tokenRequests).toBe(0);
    expect(counters.tokensIssued).toBe(0);
    expect(counters.tokenRequestsByClient).toEqual({});
    await fetch(tokenUrl(base), { method: 'POST' });
    expect(counters.tokensIssued).toBe(1);
  });

  it('applies configure() to the next request', async () => {
    await start();
    emulator.configure({ tokenLifetimeSeconds: 60, responseFormat: 'rfc6749' });
    const body = await (await fetch(tokenUrl(base), { method: 'POST' })).json();

    expect(body.expires_in).toBe(60);
    emulator.configure({ responseFormat: undefined });
    const next = await (await fetch(tokenUrl(base), { method: 'POST' })).json();
    expect(next.expiresIn).toBe(60);
  });

  it('leaves expiration out while omitExpiration is set, and only then', async () => {
    await start({ omitExpiration: true });
    const body = await (await fetch(tokenUrl(base), { method: 'POST' })).json();

    expect(body).not.toHaveProperty('expiration');
    expect(body).toMatchObject({ expiresIn: 7200, expired: false, tokenType: 'bearer' });
    emulator.configure({ omitExpiration: false, tokenLifetimeSeconds: 600 });
    const next = await (await fetch(tokenUrl(base), { method: 'POST' })).json();
    expect(next.expiration).toEqual(expect.any(Number));
    expect(next.expiresIn).toBe(600);
  });

  it('reports the lifetime with its fraction when fractionalExpiresIn is set', async () => {
    await start({ tokenLifetimeSeconds: 1.5, fractionalExpiresIn: true });
    const body = await (await fetch(tokenUrl(base), { method: 'POST' })).json();

    expect(body.expiresIn).toBe(1.5);
    emulator.configure({ fractionalExpiresIn: false });
    const floored = await (await fetch(tokenUrl(base), { method: 'POST' })).json();
    expect(floored.expiresIn).toBe(1);
  });

  it('logs requests without the query string, secrets or tokens', async () => {
    const lines: string[] = [];
    await start({ logger: (line) => lines.push(line) });
    const { value } = await (await fetch(tokenUrl(base), { method: 'POST' })).json();
    await fetch(`${base}/api/books`, { headers: { Authorization: `Bearer ${value}` } });

    expect(lines).toEqual([
      expect.stringMatching(/^POST \/oauth\/token -> issued \(\d+ ms\)$/),
      expect.stringMatching(/^GET \/api\/books -> 200 \(\d+ ms\)$/),
    ]);
    expect(lines.join('\n')).not.toContain('demo-secret');
    expect(lines.join('\n')).not.toContain(value);
  });
});
