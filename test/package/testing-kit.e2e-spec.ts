// The testing kit as a user's jest test would use it: a service of the user's app that injects
// TokenService and HttpService, tested first with the fake, then against the platform emulator.
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { AxiosError } from 'axios';
import {
  FandengAuthModule,
  FandengCredentialsError,
  FandengTransportError,
  InjectTokenService,
  TokenService,
  type AccessToken,
} from 'nestjs-fandeng-auth';
import {
  FakeTokenService,
  FandengAuthTestingModule,
  FandengPlatformEmulator,
  getFakeTokenServiceToken,
} from 'nestjs-fandeng-auth/testing';
import { firstValueFrom } from 'rxjs';
import { RecordingServer } from '../support/recording-server.js';

/** The user's code under test. */
@Injectable()
class BooksService {
  constructor(
    @Inject(HttpService) private readonly http: HttpService,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  async list(): Promise<unknown> {
    return (await firstValueFrom(this.http.get('/api/books'))).data;
  }

  tokenState(): string {
    return this.tokens.getStatus().state;
  }
}

@Module({ providers: [BooksService], exports: [BooksService] })
class BooksModule {}

describe('FandengAuthTestingModule for a named registration', () => {
  @Injectable()
  class PartnerService {
    constructor(@InjectTokenService('partner-b') readonly tokens: TokenService) {}
  }

  it('stands in for the registration of that name, under its tokens only', async () => {
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthTestingModule.forRoot({
          name: 'partner-b',
          token: 'partner-token',
          isGlobal: true,
        }),
      ],
      providers: [PartnerService],
    }).compile();
    try {
      const fake = module.get<FakeTokenService>(getFakeTokenServiceToken('partner-b'));
      expect(await module.get(PartnerService).tokens.getAccessToken()).toBe('partner-token');
      fake.rotate('partner-token-2');
      expect(await module.get(PartnerService).tokens.getAccessToken()).toBe('partner-token-2');
    } finally {
      await module.close();
    }
    @Injectable()
    class WantsTheDefault {
      constructor(@Inject(TokenService) readonly tokens: TokenService) {}
    }
    await expect(
      Test.createTestingModule({
        imports: [FandengAuthTestingModule.forRoot({ name: 'partner-b', isGlobal: true })],
        providers: [WantsTheDefault],
      }).compile(),
    ).rejects.toThrow(/WantsTheDefault/);
  });
});

describe('FandengAuthTestingModule (the fake TokenService)', () => {
  let server: RecordingServer;
  let module: TestingModule;
  let books: BooksService;
  let fake: FakeTokenService;

  beforeEach(async () => {
    server = new RecordingServer();
    await server.start();
    module = await Test.createTestingModule({
      imports: [
        FandengAuthTestingModule.forRoot({
          token: 'token-a',
          apiBaseUrl: server.url,
          isGlobal: true,
        }),
        BooksModule, // does not import the testing module: isGlobal makes its providers visible
      ],
    }).compile();
    await module.init();
    books = module.get(BooksService);
    fake = module.get(FakeTokenService);
  });
  afterEach(async () => {
    await module.close();
    await server.stop();
  });

  it("is what the user's service receives as TokenService", () => {
    expect(module.get(TokenService)).toBe(fake);
    expect(books.tokenState()).toBe('valid');
    expect(fake.calls.getStatus).toBe(1);
  });

  it("puts the fake token on the service's outgoing requests, and only to the authorised origin", async () => {
    await expect(books.list()).resolves.toEqual({ ok: true });
    const other = new RecordingServer();
    await other.start();
    try {
      await module.get(HttpService).axiosRef.get(`${other.url}/elsewhere`);
      expect(other.received[0]?.authorization).toBeUndefined();
    } finally {
      await other.stop();
    }

    expect(server.received.map((headers) => headers.authorization)).toEqual(['Bearer token-a']);
    expect(fake.calls.peekToken).toBeGreaterThanOrEqual(1);
  });

  it('makes the next calls fail with the typed error, then recovers', async () => {
    const outage = new FandengTransportError('platform unreachable');
    fake.failNext(outage, 2);

    await expect(books.list()).rejects.toBe(outage);
    await expect(fake.getAccessToken()).rejects.toBeInstanceOf(FandengTransportError);
    expect(fake.getStatus()).toMatchObject({
      consecutiveFailures: 2,
      lastError: { code: 'TRANSPORT_ERROR' },
    });
    await expect(books.list()).resolves.toEqual({ ok: true });

    expect(server.received).toHaveLength(1); // the failed request never left
    expect(fake.calls.getToken).toBe(1);
    expect(fake.calls.getAccessToken).toBe(1);
  });

  it('rotates the token: tokenChanges$ announces it and the next request carries it', async () => {
    const changes: AccessToken[] = [];
    const subscription = module.get(TokenService).tokenChanges$.subscribe((t) => changes.push(t));
    await books.list();
    fake.rotate('token-b');
    await books.list();
    const generated = fake.rotate();
    subscription.unsubscribe();

    expect(changes.map((t) => t.value)).toEqual(['token-b', generated.value]);
    expect(generated.value).not.toBe('token-b');
    expect(server.received.map((headers) => headers.authorization)).toEqual([
      'Bearer token-a',
      'Bearer token-b',
    ]);
  });

  it('records invalidate() when a 401 comes back, and replays once with a new token', async () => {
    // The emulator knows no fake token: the request and its replay both get a 401.
    const emulator = new FandengPlatformEmulator();
    await emulator.start();
    const local = await Test.createTestingModule({
      imports: [FandengAuthTestingModule.forRoot({ token: 'token-a', apiBaseUrl: emulator.url })],
    }).compile();
    try {
      const localFake = local.get(FakeTokenService);
      const error = await firstValueFrom(local.get(HttpService).get('/api/books')).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(AxiosError);
      expect((error as AxiosError).response?.status).toBe(401);
      expect(localFake.invalidated).toEqual(['token-a']);
      expect(localFake.calls.invalidate).toBe(1);
      expect(localFake.getMetrics().unauthorizedReplays).toBe(1);
      expect(localFake.current?.value).toBe('fake-fandeng-token-2');
      expect(emulator.counters.apiUnauthorized).toBe(2);
    } finally {
      await local.close();
      await emulator.stop();
    }
  });
});

describe('FandengPlatformEmulator from nestjs-fandeng-auth/testing', () => {
  const clientId = 'my-app';
  const clientSecret = 'my-app-secret-for-tests';
  let emulator: FandengPlatformEmulator;
  let module: TestingModule;
  let books: BooksService;

  beforeEach(async () => {
    emulator = new FandengPlatformEmulator({ clients: { [clientId]: clientSecret } }); // port 0
    await emulator.start();
    module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId,
          clientSecret,
          baseUrl: emulator.url,
          retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5, maxCooldownMs: 5 },
          minRefreshIntervalSeconds: 0, // let a revoked young token be replaced at once
          logger: false,
        }),
      ],
      providers: [BooksService],
    }).compile();
    await module.init();
    books = module.get(BooksService);
  });
  afterEach(async () => {
    await module.close();
    await emulator.stop();
  });

  it('survives an injected 503 on the token endpoint', async () => {
    emulator.injectFault({ type: 'status', status: 503 });

    await expect(books.list()).resolves.toMatchObject({ clientId });
    expect(emulator.counters).toMatchObject({ tokenRequests: 2, tokenErrors: 1, apiOk: 1 });
  });

  it('surfaces a refused client as the typed error', async () => {
    emulator.configure({ clients: { [clientId]: 'rotated-secret' } });

    await expect(books.list()).rejects.toBeInstanceOf(FandengCredentialsError);
    expect(emulator.counters.apiRequests).toBe(0);
  });

  it('replaces a token the platform revoked and replays the request', async () => {
    const changes: string[] = [];
    const subscription = module
      .get(TokenService)
      .tokenChanges$.subscribe((t) => changes.push(t.value));
    await books.list();
    emulator.revokeAll();
    await expect(books.list()).resolves.toMatchObject({ clientId });
    subscription.unsubscribe();

    expect(changes).toHaveLength(2);
    expect(changes[1]).toBe(emulator.lastIssued(clientId));
    expect(emulator.counters).toMatchObject({ tokensIssued: 2, apiUnauthorized: 1, apiOk: 2 });
  });
});
