import type { AddressInfo } from 'node:net';
import { HttpService } from '@nestjs/axios';
import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengAuthModule,
  FandengCredentialsError,
  FandengTokenHubModule,
  InMemoryTokenStore,
  RedisTokenStore,
  TokenService,
  tokenDigest,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { Redis } from 'ioredis';
import request from 'supertest';
import { CaptureLogger } from './support/capture-logger.js';
import { REDIS_URL, deleteUnder, testPrefix } from './support/redis.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FAST_RETRY,
  rejectionOf,
  startEmulator,
} from './support/token-harness.js';

const KEY_A = 'hub-key-a-0123456789abcdef';
const KEY_B = 'hub-key-b-fedcba9876543210';
const OLD_KEY = 'hub-key-old-00000000000000';
const HUB_PATH = 'internal/token-hub';

interface Hub {
  app: INestApplication;
  url: string;
  tokens: TokenService;
  logger: CaptureLogger;
}

interface Consumer {
  module: TestingModule;
  tokens: TokenService;
  http: HttpService;
  logger: CaptureLogger;
}

describe('the central token hub', () => {
  let emulator: FandengPlatformEmulator;
  let hub: Hub | undefined;
  const consumers: Consumer[] = [];
  /** Every token the hubs obtained, to scan logs and errors for. */
  const issued = new Set<string>();

  async function startHub(
    options: { apiKeys?: string[]; port?: number; auth?: Partial<FandengAuthModuleOptions> } = {},
  ): Promise<Hub> {
    const logger = new CaptureLogger();
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: emulator.url,
          retry: FAST_RETRY,
          minRefreshIntervalSeconds: 0,
          logger,
          ...options.auth,
        }),
        FandengTokenHubModule.forRoot({
          apiKeys: options.apiKeys ?? [KEY_A, KEY_B],
          minRefreshIntervalSeconds: 0,
          logger,
          path: HUB_PATH,
        }),
      ],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    await app.listen(options.port ?? 0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    hub = {
      app,
      url: `http://127.0.0.1:${port}/${HUB_PATH}`,
      tokens: app.get(TokenService),
      logger,
    };
    hub.tokens.tokenChanges$.subscribe((token) => issued.add(token.value));
    return hub;
  }

  async function startConsumer(options: Partial<FandengAuthModuleOptions> = {}): Promise<Consumer> {
    const logger = new CaptureLogger();
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          hub: { url: hub!.url, apiKey: KEY_A },
          baseUrl: emulator.url,
          retry: FAST_RETRY,
          minRefreshIntervalSeconds: 0,
          logger,
          ...options,
        }),
      ],
    }).compile();
    await module.init();
    const consumer = {
      module,
      tokens: module.get(TokenService),
      http: module.get(HttpService),
      logger,
    };
    consumers.push(consumer);
    return consumer;
  }

  /** Every line logged anywhere, and every error seen, must be free of keys, secret and tokens. */
  function expectNoSecrets(texts: string[]) {
    const secrets = [KEY_A, KEY_B, OLD_KEY, CLIENT_SECRET, ...issued];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  }

  const allLines = () => [
    ...(hub?.logger.lines ?? []),
    ...consumers.flatMap((c) => c.logger.lines),
  ];

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    for (const consumer of consumers.splice(0)) await consumer.module.close();
    await hub?.app.close();
    hub = undefined;
    await emulator.stop();
  });

  it('hands its token to consumers, who never call the platform token endpoint', async () => {
    await startHub();
    const [a, b] = [await startConsumer(), await startConsumer()];
    const responses = await Promise.all([
      a.http.axiosRef.get('/api/books'),
      b.http.axiosRef.get('/api/books'),
      a.http.axiosRef.get('/api/books'),
    ]);

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await a.tokens.getAccessToken()).toBe(await hub!.tokens.getAccessToken());
    expect(await b.tokens.getAccessToken()).toBe(await hub!.tokens.getAccessToken());
    expect(emulator.counters.tokenRequests).toBe(1);
    expect(hub!.tokens.getStatus().tokenRequests).toBe(1);
    expectNoSecrets(allLines());
  });

  it('answers with Cache-Control: no-store, and refuses a wrong, missing or retired key with a bare 401', async () => {
    // The old key was retired: the hub now knows only the new ones.
    await startHub();
    const server = hub!.app.getHttpServer();
    const ok = await request(server)
      .get(`/${HUB_PATH}/token`)
      .set('Authorization', `Bearer ${KEY_B}`)
      .expect(200);
    const refusals = await Promise.all([
      request(server)
        .get(`/${HUB_PATH}/token`)
        .set('Authorization', 'Bearer not-a-key-at-all-0000000'),
      request(server).get(`/${HUB_PATH}/token`),
      request(server).get(`/${HUB_PATH}/token`).set('Authorization', `Bearer ${OLD_KEY}`),
      request(server)
        .post(`/${HUB_PATH}/token/rejected`)
        .set('Authorization', `Bearer ${OLD_KEY}`)
        .send({ digest: tokenDigest(ok.body.value) }),
    ]);

    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body).toMatchObject({
      tokenType: expect.any(String),
      expiresInSeconds: expect.any(Number),
    });
    for (const refusal of refusals) {
      expect(refusal.status).toBe(401);
      expect(refusal.headers['cache-control']).toBe('no-store');
      expect(refusal.text).not.toContain(ok.body.value);
    }
    expect(hub!.logger.lines.filter((line) => line.includes('refused'))).toHaveLength(4);
    expect(emulator.counters.tokenRequests).toBe(1);
    expectNoSecrets(allLines());
  });

  it('gives a consumer with a retired key a typed error that names no key', async () => {
    await startHub();
    const consumer = await startConsumer({ hub: { url: hub!.url, apiKey: OLD_KEY } });
    const error = await rejectionOf(consumer.tokens.getAccessToken());

    expect(error).toBeInstanceOf(FandengCredentialsError);
    expect(error.message).toContain('refused the API key');
    expectNoSecrets([error.message, JSON.stringify(error), ...allLines()]);
    expect(emulator.counters.tokenRequests).toBe(0);
  });

  it('turns a burst of rejected-token reports from two consumers into one platform call', async () => {
    await startHub();
    const [a, b] = [await startConsumer(), await startConsumer()];
    await Promise.all([a.tokens.getAccessToken(), b.tokens.getAccessToken()]);
    emulator.revoke(await hub!.tokens.getAccessToken());
    const burst = await Promise.all(
      [a, b].flatMap((c) => Array.from({ length: 25 }, () => c.http.axiosRef.get('/api/books'))),
    );

    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(emulator.counters.apiUnauthorized).toBe(50);
    expect(emulator.counters.tokenRequests).toBe(2);
    expect(await a.tokens.getAccessToken()).toBe(await hub!.tokens.getAccessToken());
    expectNoSecrets(allLines());
  });

  it('refreshes only for its current token, and not before minRefreshIntervalSeconds', async () => {
    await startHub();
    const server = hub!.app.getHttpServer();
    const auth = `Bearer ${KEY_A}`;
    const first = (await request(server).get(`/${HUB_PATH}/token`).set('Authorization', auth)).body
      .value;
    const report = (digest: string) =>
      request(server)
        .post(`/${HUB_PATH}/token/rejected`)
        .set('Authorization', auth)
        .send({ digest });

    const stranger = await report(tokenDigest('some-token-the-hub-never-had'));
    const bad = await report('not-a-digest');
    const renewed = await report(tokenDigest(first));
    const again = await report(tokenDigest(first)); // a late report about the old token

    expect(stranger.body.value).toBe(first);
    expect(bad.status).toBe(400);
    expect(renewed.status).toBe(200);
    expect(renewed.body.value).not.toBe(first);
    expect(again.body.value).toBe(renewed.body.value);
    expect(emulator.counters.tokenRequests).toBe(2);
  });

  it('keeps a young token when a consumer reports it, under the hub minimum interval', async () => {
    await startHub();
    await hub!.app.close();
    const logger = new CaptureLogger();
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: emulator.url,
          logger,
        }),
        FandengTokenHubModule.forRoot({ apiKeys: [KEY_A], logger }), // default interval (60 s), default path
      ],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    await app.init();
    hub = { app, url: '', tokens: app.get(TokenService), logger };
    hub.tokens.tokenChanges$.subscribe((token) => issued.add(token.value));
    const server = app.getHttpServer();
    const value = (
      await request(server).get('/fandeng-token-hub/token').set('Authorization', `Bearer ${KEY_A}`)
    ).body.value;
    const kept = await request(server)
      .post('/fandeng-token-hub/token/rejected')
      .set('Authorization', `Bearer ${KEY_A}`)
      .send({ digest: tokenDigest(value) });

    expect(kept.body.value).toBe(value);
    expect(
      logger.lines.some((line) => line.includes('keeping it (minRefreshIntervalSeconds)')),
    ).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('carries consumers through a full rotation under load with zero failed calls', async () => {
    await emulator.stop();
    emulator = await startEmulator({ tokenLifetimeSeconds: 3, overlapSeconds: 1 });
    await startHub({ auth: { refreshAheadSeconds: 1 } });
    const pair = [
      await startConsumer({ refreshAheadSeconds: 1 }),
      await startConsumer({ refreshAheadSeconds: 1 }),
    ];
    const first = await pair[0].tokens.getAccessToken();
    const end = Date.now() + 4500;
    const statuses: number[] = [];
    let failures = 0;
    const loop = async (consumer: Consumer) => {
      for (let i = 0; i < 20_000 && Date.now() < end; i++) {
        try {
          statuses.push((await consumer.http.axiosRef.get('/api/books')).status);
        } catch {
          failures++;
        }
      }
    };
    await Promise.all(pair.flatMap((c) => [loop(c), loop(c), loop(c), loop(c)]));

    expect(statuses.length).toBeGreaterThan(200);
    expect(failures).toBe(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(emulator.counters.apiUnauthorized).toBe(0);
    // Only the hub called the token endpoint: at most one call per 2 s refresh cycle, plus the first.
    expect(emulator.counters.tokenRequests).toBe(hub!.tokens.getStatus().tokenRequests);
    expect(emulator.counters.tokenRequests).toBeGreaterThanOrEqual(2);
    expect(emulator.counters.tokenRequests).toBeLessThanOrEqual(4);
    // Consumers ask the hub when it renews (its schedule travels with the token), not before:
    // about one request per hub token. On a loaded machine the hub's own timer can fire late;
    // a consumer that finds the token unchanged asks again, 250 ms or more later, until the hub
    // has renewed. Hence 2 × tokens + 1; polling every 250 ms would make about 18 here.
    for (const c of pair)
      expect(c.tokens.getStatus().tokenRequests).toBeLessThanOrEqual(
        2 * emulator.counters.tokenRequests + 1,
      );
    expect(await pair[0].tokens.getAccessToken()).not.toBe(first);
    expectNoSecrets(allLines());
  }, 15_000);

  it('survives the hub being down while its token is still valid', async () => {
    await emulator.stop();
    emulator = await startEmulator({ tokenLifetimeSeconds: 6, overlapSeconds: 1 });
    await startHub({ auth: { refreshAheadSeconds: 2 } });
    const port = Number(new URL(hub!.url).port);
    const consumer = await startConsumer({ refreshAheadSeconds: 2 });
    const first = await consumer.tokens.getAccessToken();
    await hub!.app.close();
    hub = undefined;

    const statuses: number[] = [];
    const calls = async (until: number) => {
      for (let i = 0; i < 5000 && Date.now() < until; i++) {
        statuses.push((await consumer.http.axiosRef.get('/api/books')).status);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    // Down until past the consumer's re-fetch time (4-4.4 s into a 6 s token; usable until 5.4 s),
    // then back.
    await calls(Date.now() + 4700);
    const whileDown = consumer.tokens.getStatus();
    await startHub({ port, auth: { refreshAheadSeconds: 2 } });
    await calls(Date.now() + 1500);

    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(whileDown.consecutiveFailures).toBeGreaterThan(0);
    expect(whileDown.state).toBe('valid');
    expect(consumer.tokens.getStatus()).toMatchObject({ consecutiveFailures: 0, state: 'valid' });
    expect(await consumer.tokens.getAccessToken()).not.toBe(first);
    expectNoSecrets(allLines());
  }, 15_000);

  it('serves the unnamed registration beside a named one, and refuses two hubs on one path', async () => {
    const SECOND_ID = 'second-client';
    const SECOND_SECRET = 'second-secret-0a1b2c3d';
    await emulator.stop();
    emulator = await startEmulator({
      clients: { [CLIENT_ID]: CLIENT_SECRET, [SECOND_ID]: SECOND_SECRET },
    });
    const registrations = [
      FandengAuthModule.forRoot({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        baseUrl: emulator.url,
        logger: false,
      }),
      FandengAuthModule.forRoot({
        clientId: SECOND_ID,
        clientSecret: SECOND_SECRET,
        baseUrl: emulator.url,
        logger: false,
        name: 'second',
      }),
    ];
    const module = await Test.createTestingModule({
      imports: [
        ...registrations,
        FandengTokenHubModule.forRoot({ apiKeys: [KEY_A], logger: false }),
      ],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    await app.init();
    try {
      const answer = await request(app.getHttpServer())
        .get('/fandeng-token-hub/token')
        .set('Authorization', `Bearer ${KEY_A}`)
        .expect(200);
      expect(answer.body.value).toBe(emulator.lastIssued(CLIENT_ID));
      expect(emulator.counters.tokenRequestsByClient).toEqual({ [CLIENT_ID]: 1 });
    } finally {
      await app.close();
    }

    const twice = await Test.createTestingModule({
      imports: [
        ...registrations,
        FandengTokenHubModule.forRoot({ apiKeys: [KEY_A], logger: false }),
        FandengTokenHubModule.forRoot({ apiKeys: [KEY_B], logger: false, name: 'second' }),
      ],
    }).compile();
    const clash = twice.createNestApplication({ logger: false });
    await expect(clash.init()).rejects.toThrow(
      /path "fandeng-token-hub" already serves another registration/,
    );
    await clash.close();
  });

  it('keeps consumers of different hubs apart on one shared store', async () => {
    const SECOND_ID = 'second-client';
    const SECOND_SECRET = 'second-secret-0a1b2c3d';
    await emulator.stop();
    emulator = await startEmulator({
      clients: { [CLIENT_ID]: CLIENT_SECRET, [SECOND_ID]: SECOND_SECRET },
    });
    const first = await startHub();
    hub = undefined; // the second hub takes the slot; both are closed below
    const second = await startHub({ auth: { clientId: SECOND_ID, clientSecret: SECOND_SECRET } });
    const store = new InMemoryTokenStore();
    try {
      const a = await startConsumer({ hub: { url: first.url, apiKey: KEY_A }, store });
      const b = await startConsumer({ hub: { url: second.url, apiKey: KEY_A }, store });

      expect(await a.tokens.getAccessToken()).toBe(await first.tokens.getAccessToken());
      expect(await b.tokens.getAccessToken()).toBe(await second.tokens.getAccessToken());
      expect(await a.tokens.getAccessToken()).not.toBe(await b.tokens.getAccessToken());
    } finally {
      await first.app.close();
    }
  });

  it('runs as two hubs on one Redis store, for availability: one token, one platform call per rejection', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL);
    const store = () => new RedisTokenStore({ url: REDIS_URL, keyPrefix: prefix });
    const first = await startHub({ auth: { store: store() } });
    hub = undefined; // the second hub takes the slot; the first is closed below
    const second = await startHub({ auth: { store: store() } });
    try {
      const a = await startConsumer({ hub: { url: first.url, apiKey: KEY_A } });
      const b = await startConsumer({ hub: { url: second.url, apiKey: KEY_A } });
      const shared = await a.tokens.getAccessToken();
      expect(await b.tokens.getAccessToken()).toBe(shared);
      expect(await second.tokens.getAccessToken()).toBe(shared);
      expect(emulator.counters.tokenRequests).toBe(1);

      // The platform rejects it; the consumers report it to different hubs at once.
      emulator.revoke(shared);
      const answers = await Promise.all(
        [a, b, a, b].map((consumer) => consumer.http.axiosRef.get('/api/books')),
      );

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      expect(emulator.counters.tokenRequests).toBe(2);
      const fresh = await a.tokens.getAccessToken();
      expect(fresh).not.toBe(shared);
      expect(await b.tokens.getAccessToken()).toBe(fresh);
      expectNoSecrets(allLines());
    } finally {
      await first.app.close();
      await deleteUnder(redis, prefix);
      await redis.quit();
    }
  });

  it('fails at boot when a consumer has both credentials and a hub, or neither', async () => {
    const boot = (options: Partial<FandengAuthModuleOptions>) =>
      Test.createTestingModule({
        imports: [FandengAuthModule.forRoot(options as FandengAuthModuleOptions)],
      }).compile();
    const both = await rejectionOf(
      boot({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        hub: { url: 'http://127.0.0.1:1/hub', apiKey: KEY_A },
      }),
    );
    const neither = await rejectionOf(boot({ baseUrl: emulator.url }));

    expect(both.message).toMatch(/clientId: must not be set with hub/);
    expect(both.message).toMatch(/clientSecret: must not be set with hub/);
    expect(neither.message).toMatch(/clientId: required \(or set hub/);
    expectNoSecrets([both.message, neither.message]);
  });

  it('fails at boot when the hub has no usable API key', async () => {
    const boot = (apiKeys: unknown) =>
      Test.createTestingModule({
        imports: [
          FandengAuthModule.forRoot({
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            baseUrl: emulator.url,
          }),
          FandengTokenHubModule.forRoot({ apiKeys: apiKeys as string[] }),
        ],
      }).compile();

    expect((await rejectionOf(boot([]))).message).toMatch(/apiKeys: /);
    expect((await rejectionOf(boot(['short']))).message).toMatch(
      /apiKeys: each of apiKeys must be at least 16/,
    );
    expect((await rejectionOf(boot(undefined))).message).toMatch(/apiKeys: /);
  });
});
