import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { HttpService } from '@nestjs/axios';
import axios, { AxiosError } from 'axios';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengCredentialsError,
  FandengHttpService,
  installTokenInterceptor,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { RecordingServer } from '../support/recording-server.js';
import {
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

describe('the Bearer interceptor', () => {
  let emulator: FandengPlatformEmulator;
  let other: RecordingServer;
  let harness: TokenHarness;
  let http: HttpService;

  async function boot(options: Partial<FandengAuthModuleOptions> = {}) {
    harness = await bootTokens(emulator, options);
    http = harness.module.get(HttpService);
  }

  beforeEach(async () => {
    emulator = await startEmulator();
    other = new RecordingServer();
    await other.start();
  });
  afterEach(async () => {
    await harness?.module.close();
    await other.stop();
    await emulator.stop();
  });

  it('puts the token on platform calls, by relative path and by absolute URL', async () => {
    await boot();
    const relative = await firstValueFrom(http.get('/api/books'));
    const absolute = await http.axiosRef.get(`${emulator.url}/api/books`);

    expect(relative.status).toBe(200);
    expect(absolute.status).toBe(200);
    expect(emulator.counters.apiOk).toBe(2);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('sends no token to another origin', async () => {
    await boot();
    await http.axiosRef.get(`${other.url}/anything`);
    await firstValueFrom(http.get(`${other.url}/again`));

    expect(other.received).toHaveLength(2);
    expect(other.received.every((headers) => headers.authorization === undefined)).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(0);
  });

  it('strips the token from a redirect to an origin outside the allowlist', async () => {
    const redirector = new RecordingServer(other.url);
    await redirector.start();
    try {
      await boot({ authorizedOrigins: [emulator.url, redirector.url] });
      await http.axiosRef.get(`${redirector.url}/go`);

      expect(redirector.received[0].authorization).toMatch(/^Bearer /);
      expect(other.received).toHaveLength(1);
      expect(other.received[0].authorization).toBeUndefined();
    } finally {
      await redirector.stop();
    }
  });

  it('resolves a URL as axios does, so userinfo and backslash tricks do not leak the token', async () => {
    await boot();
    const emulatorHost = new URL(emulator.url).host;
    const otherHost = new URL(other.url).host;
    // Both go to `other`: the first host is userinfo, the backslash ends the authority.
    await http.axiosRef.get(`http://${emulatorHost}@${otherHost}/userinfo`);
    await http.axiosRef.get(`http://${otherHost}\\@${emulatorHost}/backslash`);
    // With allowAbsoluteUrls false axios sends an absolute URL to baseURL: the platform.
    const kept = await http.axiosRef.get(`${other.url}/api/books`, {
      allowAbsoluteUrls: false,
      validateStatus: () => true,
    });

    expect(other.received).toHaveLength(2);
    // axios turns the userinfo into its own Basic header; the token goes nowhere near it.
    expect(other.received.map((headers) => headers.authorization)).toEqual([
      `Basic ${Buffer.from(`127.0.0.1:${new URL(emulator.url).port}`).toString('base64')}`,
      undefined,
    ]);
    expect(kept.status).toBe(404); // signed (unsigned would be 401), and no such API path
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it("signs behind a user's asynchronous interceptor and keeps the user's beforeRedirect", async () => {
    const redirector = new RecordingServer(other.url);
    await redirector.start();
    try {
      await boot({ authorizedOrigins: [emulator.url, redirector.url] });
      const seen: string[] = [];
      http.axiosRef.interceptors.request.use(async (config) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return config;
      });
      const beforeRedirect = (options: Record<string, unknown>) => {
        seen.push(String(options.href ?? options.path));
      };
      await harness.tokens.getAccessToken();
      const first = await http.axiosRef.get('/api/books');
      await http.axiosRef.get(`${redirector.url}/go`, { beforeRedirect });
      await http.axiosRef.get(`${redirector.url}/again`, { beforeRedirect });

      expect(first.status).toBe(200);
      expect(redirector.received.map((h) => h.authorization)).toEqual([
        expect.stringMatching(/^Bearer /),
        expect.stringMatching(/^Bearer /),
      ]);
      expect(other.received.map((h) => h.authorization)).toEqual([undefined, undefined]);
      expect(seen).toHaveLength(2);
    } finally {
      await redirector.stop();
    }
  });

  it("judges the request after the user's own interceptors: retargeted, opted out or already signed", async () => {
    const third = new RecordingServer();
    await third.start();
    try {
      await boot({ authorizedOrigins: [emulator.url, other.url] });
      await harness.tokens.getAccessToken();
      const instance = http.axiosRef;
      // Registered after the module's: axios runs them first, after asking every runWhen.
      const retarget = instance.interceptors.request.use((config) => {
        if (config.url === '/retarget') config.baseURL = third.url;
        if (config.url === '/opt-out') config.fandengAuth = false;
        if (config.url === '/own') config.headers.set('Authorization', 'Basic own');
        return config;
      });
      const slow = instance.interceptors.request.use(async (config) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (config.url === '/retarget-async') config.baseURL = third.url;
        return config;
      });
      for (const url of ['/retarget', '/retarget-async']) await instance.get(url);
      for (const url of ['/opt-out', '/own', '/signed'])
        await instance.get(url, { baseURL: other.url });
      instance.interceptors.request.eject(retarget);
      instance.interceptors.request.eject(slow);

      expect(third.received.map((headers) => headers.authorization)).toEqual([
        undefined,
        undefined,
      ]);
      expect(other.received.map((headers) => headers.authorization)).toEqual([
        undefined,
        'Basic own',
        expect.stringMatching(/^Bearer /),
      ]);
    } finally {
      await third.stop();
    }
  });

  it('keeps axios on its synchronous path: a cold request waits for the token in the adapter', async () => {
    await boot();
    const handlers = (
      http.axiosRef.interceptors.request as unknown as { handlers: { synchronous: boolean }[] }
    ).handlers;
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => firstValueFrom(http.get('/api/books'))),
    );

    expect(handlers.length).toBeGreaterThan(0);
    expect(handlers.every((handler) => handler.synchronous)).toBe(true);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('judges a cold request after the interceptors that run after the signer', async () => {
    await boot();
    const instance = axios.create({ baseURL: emulator.url });
    // Registered before the module's interceptor, so axios runs it after the signer.
    instance.interceptors.request.use((config) => {
      if (config.url === '/elsewhere') config.baseURL = other.url;
      if (config.url === '/mine') config.headers.set('Authorization', 'Basic mine');
      return config;
    });
    installTokenInterceptor(instance, harness.tokens, { authorizedOrigins: [emulator.url] });
    const [books] = await Promise.all([
      instance.get('/api/books'),
      instance.get('/elsewhere'),
      instance.get('/mine', { baseURL: other.url }),
    ]);

    expect(books.status).toBe(200);
    expect(other.received.map((h) => h.authorization)).toEqual(
      expect.arrayContaining([undefined, 'Basic mine']),
    );
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it("keeps the caller's own Authorization header, and honours the opt-out", async () => {
    await boot({ authorizedOrigins: [emulator.url, other.url] });
    await http.axiosRef.get(`${other.url}/own`, { headers: { Authorization: 'Basic abc' } });
    await http.axiosRef.get(`${other.url}/none`, { fandengAuth: false });

    expect(other.received[0].authorization).toBe('Basic abc');
    expect(other.received[1].authorization).toBeUndefined();
  });

  it('on a 401 gets a new token and replays once', async () => {
    await boot();
    const first = await harness.tokens.getAccessToken();
    emulator.revoke(first);
    const response = await firstValueFrom(http.post('/api/echo', { hello: 'world' }));

    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({ hello: 'world' });
    expect(await harness.tokens.getAccessToken()).not.toBe(first);
    expect(emulator.counters.tokenRequests).toBe(2);
    expect(emulator.counters.apiUnauthorized).toBe(1);
  });

  it('shares one refresh among 50 concurrent 401s', async () => {
    await boot();
    emulator.revoke(await harness.tokens.getAccessToken());
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => http.axiosRef.get('/api/books')),
    );

    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(emulator.counters.apiUnauthorized).toBe(50);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('returns a second 401 to the caller as it is', async () => {
    await boot();
    await harness.tokens.getAccessToken();
    emulator.injectApiFault({ type: 'status', status: 401, body: '{"error":"invalid_token"}' }, 2);
    const error = await rejectionOf(http.axiosRef.get('/api/books'));

    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).response?.status).toBe(401);
    expect(emulator.counters.tokenRequests).toBe(2);
    expect(emulator.counters.apiRequests).toBe(2);
  });

  it('does not replay a request whose stream body was consumed', async () => {
    await boot();
    emulator.revoke(await harness.tokens.getAccessToken());
    const error = await rejectionOf(
      http.axiosRef.post('/api/echo', Readable.from(['{"a":1}']), {
        headers: { 'Content-Type': 'application/json' },
      }),
    );

    expect((error as AxiosError).response?.status).toBe(401);
    expect(emulator.counters.apiRequests).toBe(1);
  });

  it('fails the request with the typed error when no token can be had', async () => {
    await boot({ clientSecret: 'wrong' });
    const error = await rejectionOf(firstValueFrom(http.get('/api/books')));

    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect(emulator.counters.apiRequests).toBe(0);
  });

  it('installs on any axios instance the user creates', async () => {
    await boot();
    const instance = axios.create();
    const eject = installTokenInterceptor(instance, harness.tokens, {
      authorizedOrigins: [emulator.url],
    });
    expect((await instance.get(`${emulator.url}/api/books`)).status).toBe(200);

    eject();
    expect(
      (await rejectionOf(instance.get(`${emulator.url}/api/books`))) as AxiosError,
    ).toMatchObject({
      response: { status: 401 },
    });
  });

  it('cancels a request the caller gave up on, and builds no cancel error for a settled one', async () => {
    await boot({ authorizedOrigins: [emulator.url, other.url] });
    const done = await firstValueFrom(http.get('/api/books'));
    const hanging = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const closed = new Promise<void>((resolve) =>
      hanging.on('connection', (socket) => socket.on('close', () => resolve())),
    );
    try {
      const { port } = hanging.address() as AddressInfo;
      const error = await rejectionOf(
        firstValueFrom(http.get(`http://127.0.0.1:${port}/slow`).pipe(timeout(100))),
      );
      await closed;

      expect(error).toBeInstanceOf(TimeoutError);
      expect(done.config.cancelToken).toBeDefined();
      expect((done.config.cancelToken as { reason?: unknown }).reason).toBeUndefined();
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('is the same instance whether injected as HttpService or FandengHttpService', async () => {
    await boot();
    expect(harness.module.get(FandengHttpService)).toBe(http);
    expect(http.axiosRef.defaults.baseURL).toBe(emulator.url);
  });
});
