import { setTimeout as sleep } from 'node:timers/promises';
import { FandengPlatformEmulator } from './emulator.js';
import type { EmulatorOptions } from './emulator-options.js';

const CREDENTIALS = 'grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret';

describe('token lifecycle: overlap, expiry, revocation', () => {
  let emulator: FandengPlatformEmulator;
  let base: string;

  async function start(options?: EmulatorOptions): Promise<void> {
    emulator = new FandengPlatformEmulator(options);
    base = await emulator.start();
  }

  async function issue(query = CREDENTIALS): Promise<string> {
    const res = await fetch(`${base}/oauth/token?${query}`, { method: 'POST' });
    expect(res.status).toBe(200);
    return ((await res.json()) as { value: string }).value;
  }

  async function callApi(token: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${base}/api/books`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  }

  afterEach(() => emulator.stop());

  it('keeps a superseded token valid during the overlap, then rejects it', async () => {
    await start({ overlapSeconds: 0.3 });
    const old = await issue();
    const current = await issue();

    expect((await callApi(old)).status).toBe(200);
    expect(emulator.isValid(old)).toBe(true);

    await sleep(400);

    const rejected = await callApi(old);
    expect(rejected.status).toBe(401);
    expect(rejected.body).toEqual({
      error: 'invalid_token',
      error_description: expect.stringMatching(/superseded/),
    });
    expect(emulator.isValid(old)).toBe(false);
    expect((await callApi(current)).status).toBe(200);
  });

  it('supersedes only the tokens of the client that refreshed', async () => {
    await start({ overlapSeconds: 0, clients: { a: 'sa', b: 'sb' } });
    const tokenA = await issue('grant_type=client_credentials&client_id=a&client_secret=sa');
    await issue('grant_type=client_credentials&client_id=b&client_secret=sb');
    const newA = await issue('grant_type=client_credentials&client_id=a&client_secret=sa');

    expect(emulator.isValid(tokenA)).toBe(false);
    expect(emulator.isValid(emulator.lastIssued('b')!)).toBe(true);
    expect(emulator.isValid(newA)).toBe(true);
    expect(emulator.lastIssued()).toBe(newA);
  });

  it('applies the overlap set by configure() to the next refresh', async () => {
    await start({ overlapSeconds: 300 });
    const old = await issue();
    emulator.configure({ overlapSeconds: 0 });
    await issue();

    expect(emulator.isValid(old)).toBe(false);
  });

  it('expires a token at the end of its lifetime', async () => {
    await start({ tokenLifetimeSeconds: 1 });
    const res = await fetch(`${base}/oauth/token?${CREDENTIALS}`, { method: 'POST' });
    const { value, expiresIn } = (await res.json()) as { value: string; expiresIn: number };

    expect(expiresIn).toBe(1);
    expect((await callApi(value)).status).toBe(200);

    await sleep(1050);

    const rejected = await callApi(value);
    expect(rejected.status).toBe(401);
    expect(rejected.body.error_description).toMatch(/expired/);
  });

  it('revokes one token at once, leaving the others valid', async () => {
    await start({ clients: { a: 'sa', b: 'sb' } });
    const tokenA = await issue('grant_type=client_credentials&client_id=a&client_secret=sa');
    const tokenB = await issue('grant_type=client_credentials&client_id=b&client_secret=sb');
    emulator.revoke(tokenA);

    const rejected = await callApi(tokenA);
    expect(rejected.status).toBe(401);
    expect(rejected.body.error_description).toMatch(/revoked/);
    expect((await callApi(tokenB)).status).toBe(200);
  });

  it('revokes every token issued so far with revokeAll(), not later ones', async () => {
    await start();
    const first = await issue();
    const second = await issue();
    emulator.revokeAll();
    const third = await issue();

    expect(emulator.isValid(first)).toBe(false);
    expect(emulator.isValid(second)).toBe(false);
    expect(emulator.isValid(third)).toBe(true);
    expect(emulator.lastIssued('demo-client')).toBe(third);
  });

  it('knows nothing of a token it did not issue', async () => {
    await start();
    const token = await issue();
    const other = new FandengPlatformEmulator();

    expect(other.isValid(token)).toBe(false);
    expect(other.lastIssued('demo-client')).toBeUndefined();
    expect(emulator.isValid(`${token}x`)).toBe(false);
  });
});
