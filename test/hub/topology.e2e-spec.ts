import { Test } from '@nestjs/testing';
import {
  FandengAuthModule,
  FandengTokenHubModule,
  InMemoryTokenStore,
  RedisTokenStore,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { Redis } from 'ioredis';
import request from 'supertest';
import { HubFixture, KEY_A, KEY_B, type Consumer } from '../support/hub-fixture.js';
import { REDIS_URL, deleteUnder, testPrefix } from '../support/redis.js';
import { CLIENT_ID, CLIENT_SECRET, rejectionOf, startEmulator } from '../support/token-harness.js';

// The hub deployed: consumers through token rotations and hub outages, several registrations
// and several hubs on one store, and the boot checks of both sides.
describe('the central token hub, deployed', () => {
  const fx = new HubFixture();
  beforeEach(() => fx.setUp());
  afterEach(() => fx.tearDown());

  it('carries consumers through a full rotation under load with zero failed calls', async () => {
    await fx.emulator.stop();
    fx.emulator = await startEmulator({ tokenLifetimeSeconds: 3, overlapSeconds: 1 });
    await fx.startHub({ auth: { refreshAheadSeconds: 1 } });
    const pair = [
      await fx.startConsumer({ refreshAheadSeconds: 1 }),
      await fx.startConsumer({ refreshAheadSeconds: 1 }),
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
    expect(fx.emulator.counters.apiUnauthorized).toBe(0);
    // Only the hub called the token endpoint: at most one call per 2 s refresh cycle, plus the first.
    expect(fx.emulator.counters.tokenRequests).toBe(fx.hub!.tokens.getStatus().tokenRequests);
    expect(fx.emulator.counters.tokenRequests).toBeGreaterThanOrEqual(2);
    expect(fx.emulator.counters.tokenRequests).toBeLessThanOrEqual(4);
    // Consumers ask the hub when it renews (its schedule travels with the token), not before:
    // about one request per hub token. On a loaded machine the hub's own timer can fire late;
    // a consumer that finds the token unchanged asks again, 250 ms or more later, until the hub
    // has renewed. Hence 2 × tokens + 1; polling every 250 ms would make about 18 here.
    for (const c of pair)
      expect(c.tokens.getStatus().tokenRequests).toBeLessThanOrEqual(
        2 * fx.emulator.counters.tokenRequests + 1,
      );
    expect(await pair[0].tokens.getAccessToken()).not.toBe(first);
    fx.expectNoSecrets(fx.allLines());
  }, 15_000);

  it('survives the hub being down while its token is still valid', async () => {
    await fx.emulator.stop();
    fx.emulator = await startEmulator({ tokenLifetimeSeconds: 6, overlapSeconds: 1 });
    await fx.startHub({ auth: { refreshAheadSeconds: 2 } });
    const port = Number(new URL(fx.hub!.url).port);
    const consumer = await fx.startConsumer({ refreshAheadSeconds: 2 });
    const first = await consumer.tokens.getAccessToken();
    await fx.hub!.app.close();
    fx.hub = undefined;

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
    await fx.startHub({ port, auth: { refreshAheadSeconds: 2 } });
    await calls(Date.now() + 1500);

    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(whileDown.consecutiveFailures).toBeGreaterThan(0);
    expect(whileDown.state).toBe('valid');
    expect(consumer.tokens.getStatus()).toMatchObject({ consecutiveFailures: 0, state: 'valid' });
    expect(await consumer.tokens.getAccessToken()).not.toBe(first);
    fx.expectNoSecrets(fx.allLines());
  }, 15_000);

  it('serves the unnamed registration beside a named one, and refuses two hubs on one path', async () => {
    const SECOND_ID = 'second-client';
    const SECOND_SECRET = 'second-secret-0a1b2c3d';
    await fx.emulator.stop();
    fx.emulator = await startEmulator({
      clients: { [CLIENT_ID]: CLIENT_SECRET, [SECOND_ID]: SECOND_SECRET },
    });
    const registrations = [
      FandengAuthModule.forRoot({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        baseUrl: fx.emulator.url,
        logger: false,
      }),
      FandengAuthModule.forRoot({
        clientId: SECOND_ID,
        clientSecret: SECOND_SECRET,
        baseUrl: fx.emulator.url,
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
      expect(answer.body.value).toBe(fx.emulator.lastIssued(CLIENT_ID));
      expect(fx.emulator.counters.tokenRequestsByClient).toEqual({ [CLIENT_ID]: 1 });
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
    await fx.emulator.stop();
    fx.emulator = await startEmulator({
      clients: { [CLIENT_ID]: CLIENT_SECRET, [SECOND_ID]: SECOND_SECRET },
    });
    const first = await fx.startHub();
    fx.hub = undefined; // the second hub takes the slot; both are closed below
    const second = await fx.startHub({
      auth: { clientId: SECOND_ID, clientSecret: SECOND_SECRET },
    });
    const store = new InMemoryTokenStore();
    try {
      const a = await fx.startConsumer({ hub: { url: first.url, apiKey: KEY_A }, store });
      const b = await fx.startConsumer({ hub: { url: second.url, apiKey: KEY_A }, store });

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
    const first = await fx.startHub({ auth: { store: store() } });
    fx.hub = undefined; // the second hub takes the slot; the first is closed below
    const second = await fx.startHub({ auth: { store: store() } });
    try {
      const a = await fx.startConsumer({ hub: { url: first.url, apiKey: KEY_A } });
      const b = await fx.startConsumer({ hub: { url: second.url, apiKey: KEY_A } });
      const shared = await a.tokens.getAccessToken();
      expect(await b.tokens.getAccessToken()).toBe(shared);
      expect(await second.tokens.getAccessToken()).toBe(shared);
      expect(fx.emulator.counters.tokenRequests).toBe(1);

      // The platform rejects it; the consumers report it to different hubs at once.
      fx.emulator.revoke(shared);
      const answers = await Promise.all(
        [a, b, a, b].map((consumer) => consumer.http.axiosRef.get('/api/books')),
      );

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      expect(fx.emulator.counters.tokenRequests).toBe(2);
      const fresh = await a.tokens.getAccessToken();
      expect(fresh).not.toBe(shared);
      expect(await b.tokens.getAccessToken()).toBe(fresh);
      fx.expectNoSecrets(fx.allLines());
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
    const neither = await rejectionOf(boot({ baseUrl: fx.emulator.url }));

    expect(both.message).toMatch(/clientId: must not be set with hub/);
    expect(both.message).toMatch(/clientSecret: must not be set with hub/);
    expect(neither.message).toMatch(/clientId: required \(or set hub/);
    fx.expectNoSecrets([both.message, neither.message]);
  });

  it('fails at boot when the hub has no usable API key', async () => {
    const boot = (apiKeys: unknown) =>
      Test.createTestingModule({
        imports: [
          FandengAuthModule.forRoot({
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            baseUrl: fx.emulator.url,
          }),
          FandengTokenHubModule.forRoot({ apiKeys: apiKeys as string[] }),
        ],
      }).compile();

    expect((await rejectionOf(boot([]))).message).toMatch(/apiKeys: /);
    const short = 'short-key';
    expect((await rejectionOf(boot([KEY_A, short]))).message).toMatch(
      /apiKeys: apiKeys\[1\] must be at least 16 characters/,
    );
    expect((await rejectionOf(boot(['sha256:abc']))).message).toMatch(
      /apiKeys\[0\] must be a sha256: digest of 64 hex digits/,
    );
    expect((await rejectionOf(boot([{ key: KEY_A, consumer: 'a b' }]))).message).toMatch(
      /apiKeys\[0\] must be a consumer name/,
    );
    expect((await rejectionOf(boot([{ key: KEY_A, consumer: 'x', role: 1 }]))).message).toMatch(
      /apiKeys\[0\] must be only key and consumer \(not role\)/,
    );
    expect((await rejectionOf(boot(undefined))).message).toMatch(/apiKeys: /);
    for (const keys of [[KEY_A, short], [{ key: KEY_A, consumer: 'a b' }]]) {
      const message = (await rejectionOf(boot(keys))).message;
      expect(message).not.toContain(KEY_A);
      expect(message).not.toContain(short);
    }
  });
});
