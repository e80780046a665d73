import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengAuthModule,
  FandengCredentialsError,
  FandengFetch,
  FandengMalformedResponseError,
  getFandengFetchToken,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { FakeTokenService, FandengAuthTestingModule } from 'nestjs-fandeng-auth/testing';
import { RecordingServer } from '../support/recording-server.js';
import {
  bootTokens,
  CLIENT_ID,
  CLIENT_SECRET,
  FAST_RETRY,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

/** The fetch path: every guarantee the axios path gives (interceptor.e2e-spec.ts). */
describe('FandengFetch', () => {
  let emulator: FandengPlatformEmulator;
  let other: RecordingServer;
  let harness: TokenHarness | undefined;
  let ff: FandengFetch;

  async function boot(options: Partial<FandengAuthModuleOptions> = {}) {
    harness = await bootTokens(emulator, options);
    ff = harness.module.get(FandengFetch);
  }

  beforeEach(async () => {
    emulator = await startEmulator();
    other = new RecordingServer();
    await other.start();
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await other.stop();
    await emulator.stop();
  });

  it('puts the token on platform calls, by relative path, absolute URL, URL and Request', async () => {
    await boot();
    const responses = [
      await ff.fetch('/api/books'),
      await ff.fetch('api/books'),
      await ff.fetch(`${emulator.url}/api/books`),
      await ff.fetch(new URL('/api/books', emulator.url)),
      await ff.fetch(new Request(`${emulator.url}/api/books`)),
    ];

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(emulator.counters.apiOk).toBe(5);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('resolves a path against apiBaseUrl as the HttpService does, keeping its path', async () => {
    await boot({ apiBaseUrl: `${other.url}/v2/`, authorizedOrigins: [other.url] });
    await ff.fetch('/books?page=2');

    expect(other.received).toHaveLength(1);
    expect(other.received[0].authorization).toMatch(/^Bearer /);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('shares one token request among 200 callers that arrive before the first token', async () => {
    await boot();
    const responses = await Promise.all(Array.from({ length: 200 }, () => ff.fetch('/api/books')));

    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(1);
    expect(emulator.counters.apiUnauthorized).toBe(0);
  });

  it('sends no token to another origin, whatever the URL tricks', async () => {
    await boot();
    const { port } = new URL(other.url);
    await ff.fetch(`${other.url}/anything`);
    await ff.fetch(new URL('/again', other.url));
    await ff.fetch(`http://127.0.0.1:${port}\\@${new URL(emulator.url).host}/backslash`);
    // userinfo that looks like the platform's host: fetch refuses such a URL, and nothing is sent
    const userinfo = `http://${new URL(emulator.url).host}@127.0.0.1:${port}/userinfo`;

    await expect(ff.fetch(userinfo)).rejects.toThrow(/credentials/);
    expect(other.received).toHaveLength(3);
    expect(other.received.every((headers) => headers.authorization === undefined)).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(0);
  });

  it('sends no token along a redirect to another origin, and does not replay its 401', async () => {
    const unauthorized = await listen((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(401).end();
    });
    const seen: (string | undefined)[] = [];
    const redirector = new RecordingServer(unauthorized.url);
    await redirector.start();
    try {
      await boot({ authorizedOrigins: [emulator.url, redirector.url] });
      const response = await ff.fetch(`${redirector.url}/go`);

      expect(redirector.received[0].authorization).toMatch(/^Bearer /);
      expect(response.status).toBe(401);
      expect(seen).toEqual([undefined]);
      expect(emulator.counters.tokenRequests).toBe(1);
    } finally {
      await redirector.stop();
      await unauthorized.close();
    }
  });

  it("keeps the caller's own Authorization in every header form, and honours the opt-out", async () => {
    await boot({ authorizedOrigins: [emulator.url, other.url] });
    await ff.fetch(`${other.url}/object`, { headers: { authorization: 'Basic a' } });
    await ff.fetch(`${other.url}/headers`, { headers: new Headers({ Authorization: 'Basic b' }) });
    await ff.fetch(`${other.url}/pairs`, { headers: [['AUTHORIZATION', 'Basic c']] });
    await ff.fetch(new Request(`${other.url}/request`, { headers: { Authorization: 'Basic d' } }));
    await ff.fetch(`${other.url}/none`, { fandengAuth: false });
    await ff.fetch(`${other.url}/mine`, { headers: { 'x-trace': '1' } });

    expect(other.received.map((h) => h.authorization)).toEqual([
      'Basic a',
      'Basic b',
      'Basic c',
      'Basic d',
      undefined,
      expect.stringMatching(/^Bearer /),
    ]);
    expect(other.received[5]['x-trace']).toBe('1');
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('never changes the init object the caller passed', async () => {
    await boot();
    const headers = { accept: 'application/json' };
    const init = { headers };
    await ff.fetch('/api/books', init);

    expect(init).toEqual({ headers: { accept: 'application/json' } });
    expect(init.headers).toBe(headers);
  });

  it('on a 401 compares, gets a new token and replays once, body included', async () => {
    await boot();
    const first = await harness!.tokens.getAccessToken();
    emulator.revoke(first);
    const response = await ff.fetch('/api/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ hello: 'world' });
    expect(await harness!.tokens.getAccessToken()).not.toBe(first);
    expect(emulator.counters.tokenRequests).toBe(2);
    expect(emulator.counters.apiUnauthorized).toBe(1);
    expect(harness!.tokens.getMetrics().unauthorizedReplays).toBe(1);
  });

  it('shares one refresh among 50 concurrent 401s', async () => {
    await boot();
    emulator.revoke(await harness!.tokens.getAccessToken());
    const responses = await Promise.all(Array.from({ length: 50 }, () => ff.fetch('/api/books')));

    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(emulator.counters.apiUnauthorized).toBe(50);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('returns a second 401 to the caller as it is', async () => {
    await boot();
    await harness!.tokens.getAccessToken();
    emulator.injectApiFault({ type: 'status', status: 401, body: '{"error":"invalid_token"}' }, 2);
    const response = await ff.fetch('/api/books');

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_token' });
    expect(emulator.counters.tokenRequests).toBe(2);
    expect(emulator.counters.apiRequests).toBe(2);
  });

  it('returns the 401 as it is when the body was a stream that cannot be sent again', async () => {
    await boot();
    emulator.revoke(await harness!.tokens.getAccessToken());
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"a":1}'));
        controller.close();
      },
    });
    const response = await ff.fetch('/api/echo', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(401);
    expect(emulator.counters.apiRequests).toBe(1);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('does not replay when retryOnUnauthorized is off', async () => {
    await boot({ retryOnUnauthorized: false });
    emulator.revoke(await harness!.tokens.getAccessToken());

    expect((await ff.fetch('/api/books')).status).toBe(401);
    expect(emulator.counters.apiRequests).toBe(1);
  });

  it('fails with the typed error, secret-free, when no token can be had; nothing is sent', async () => {
    await boot({ clientSecret: 'wrong-secret-7d1e' });
    const error = await rejectionOf(ff.fetch('/api/books'));

    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(
      'wrong-secret-7d1e',
    );
    expect(emulator.counters.apiRequests).toBe(0);
  });

  it('caches no malformed token answer and sends no call with it', async () => {
    emulator.injectFault(
      { type: 'body', body: '<html>maintenance</html>', contentType: 'text/html' },
      1,
    );
    await boot({ retry: { ...FAST_RETRY, maxAttempts: 1 } });
    const error = await rejectionOf(ff.fetch('/api/books'));

    expect(error).toBeInstanceOf(FandengMalformedResponseError);
    expect(harness!.tokens.peekToken()).toBeUndefined();
    expect(emulator.counters.apiRequests).toBe(0);
  });

  it('wraps another fetch implementation with the same behaviour', async () => {
    await boot({ authorizedOrigins: [emulator.url] });
    const urls: string[] = [];
    const wrapped = ff.wrap((input, init) => {
      urls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(input, init);
    });
    const response = await wrapped('/api/books');
    await wrapped(`${other.url}/x`);

    expect(response.status).toBe(200);
    expect(urls).toEqual([`${emulator.url}/api/books`, `${other.url}/x`]);
    expect(other.received[0].authorization).toBeUndefined();
  });

  it('rotates with no 401 at the caller or the API while tokens expire under load', async () => {
    await emulator.stop();
    emulator = await startEmulator({ tokenLifetimeSeconds: 2, overlapSeconds: 1 });
    await boot({ refreshAheadSeconds: 0.6, refreshJitter: 0 });
    const statuses = new Map<number, number>();
    const until = Date.now() + 3000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let n = 0; n < 10_000 && Date.now() < until; n++) {
          const { status } = await ff.fetch('/api/books');
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );

    expect([...statuses.keys()]).toEqual([200]);
    expect(emulator.counters.apiUnauthorized).toBe(0);
    expect(emulator.counters.tokenRequests).toBeGreaterThanOrEqual(2);
  });
});

describe('FandengFetch in named registrations and the testing kit', () => {
  it('is provided per registration, each with its own token', async () => {
    const emulator = await startEmulator();
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: emulator.url,
        }),
        FandengAuthModule.forRoot({
          name: 'partner',
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: emulator.url,
        }),
      ],
    }).compile();
    await module.init();
    try {
      const main = module.get(FandengFetch);
      const partner = module.get<FandengFetch>(getFandengFetchToken('partner'));

      expect(partner).toBeInstanceOf(FandengFetch);
      expect(partner).not.toBe(main);
      expect((await main.fetch('/api/books')).status).toBe(200);
      expect((await partner.fetch('/api/books')).status).toBe(200);
      expect(emulator.counters.tokenRequests).toBe(2);
    } finally {
      await module.close();
      await emulator.stop();
    }
  });

  it('puts the fake token on calls in a user test, and replays a 401 with the next fake', async () => {
    const seen: (string | undefined)[] = [];
    const api = await listen((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(seen.length === 1 ? 401 : 200).end();
    });
    const module = await Test.createTestingModule({
      imports: [FandengAuthTestingModule.forRoot({ apiBaseUrl: api.url, token: 'fake-1' })],
    }).compile();
    try {
      const fake = module.get(FakeTokenService);
      const response = await module.get(FandengFetch).fetch('/books');

      expect(response.status).toBe(200);
      expect(seen[0]).toBe('Bearer fake-1');
      expect(seen[1]).toMatch(/^Bearer /);
      expect(seen[1]).not.toBe('Bearer fake-1');
      expect(fake.invalidated).toEqual(['fake-1']);
    } finally {
      await module.close();
      await api.close();
    }
  });
});

/** A server on 127.0.0.1 with the given handler. */
async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
