import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import request from 'supertest';
import { AppModule } from '../../apps/sample/src/app.module.js';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';

const ENV = ['FANDENG_CLIENT_ID', 'FANDENG_CLIENT_SECRET', 'FANDENG_BASE_URL'] as const;

describe('the sample app', () => {
  let emulator: FandengPlatformEmulator;
  let app: INestApplication;
  const saved = ENV.map((name) => process.env[name]);

  beforeEach(async () => {
    // A 2 s token with a 1 s overlap: a full rotation happens within the test.
    emulator = await startEmulator({ tokenLifetimeSeconds: 2, overlapSeconds: 1 });
    Object.assign(process.env, {
      FANDENG_CLIENT_ID: CLIENT_ID,
      FANDENG_CLIENT_SECRET: CLIENT_SECRET,
      FANDENG_BASE_URL: emulator.url,
    });
    const module = await Test.createTestingModule({ imports: [AppModule.forRoot()] }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
  });
  afterEach(async () => {
    await app.close();
    await emulator.stop();
    ENV.forEach((name, i) =>
      saved[i] === undefined ? delete process.env[name] : (process.env[name] = saved[i]),
    );
  });

  it('serves platform data through the injected HttpService', async () => {
    const response = await request(app.getHttpServer()).get('/books').expect(200);
    expect(response.body).toMatchObject({ clientId: CLIENT_ID });
    expect(response.body.data.length).toBeGreaterThan(0);
  });

  it('shows the token state without the token or the secret', async () => {
    await request(app.getHttpServer()).get('/books').expect(200);
    const response = await request(app.getHttpServer()).get('/status').expect(200);

    expect(response.body).toMatchObject({ state: 'valid', consecutiveFailures: 0 });
    expect(response.text).not.toContain(CLIENT_SECRET);
    expect(response.text).not.toContain(emulator.lastIssued(CLIENT_ID));
  });

  it('reports health at /health and token metrics at /metrics, without the token', async () => {
    const health = await request(app.getHttpServer()).get('/health').expect(200);
    const metrics = await request(app.getHttpServer()).get('/metrics').expect(200);
    const token = emulator.lastIssued(CLIENT_ID)!;

    expect(health.body.details.fandeng).toMatchObject({ status: 'up', consecutiveFailures: 0 });
    expect(metrics.text).toMatch(
      /^fandeng_auth_token_requests_total\{registration="default"\} 1$/m,
    );
    expect(metrics.text).toMatch(/^fandeng_auth_token_valid\{registration="default"\} 1$/m);
    // No shared store, so no fleet count: the gauge has no series rather than a misleading 0.
    expect(metrics.text).not.toMatch(/^fandeng_auth_token_requests_today_fleet\{/m);
    expect(metrics.text).toMatch(
      /^fandeng_auth_refreshes_total\{registration="default",result="success",code=""\} 1$/m,
    );
    for (const text of [health.text, metrics.text]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(CLIENT_SECRET);
    }
  });

  it('rotates the token under continuous load with zero failed calls', async () => {
    const server = app.getHttpServer();
    const end = Date.now() + 3500;
    const statuses: number[] = [];
    const worker = async () => {
      for (let i = 0; i < 2000 && Date.now() < end; i++) {
        statuses.push((await request(server).get('/books')).status);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(emulator.counters.tokensIssued).toBeGreaterThanOrEqual(2); // at least one rotation
    expect(emulator.counters.tokensIssued).toBeLessThanOrEqual(4); // about one per lifetime
    expect(emulator.counters.apiUnauthorized).toBe(0);
  });
});

describe('the sample app as token hub and consumer', () => {
  const HUB_ENV = [
    ...ENV,
    'FANDENG_MODE',
    'FANDENG_HUB_API_KEYS',
    'FANDENG_HUB_URL',
    'FANDENG_HUB_API_KEY',
  ] as const;
  const KEY = 'sample-hub-key-0123456789';
  const saved = HUB_ENV.map((name) => process.env[name]);
  let emulator: FandengPlatformEmulator;
  const apps: INestApplication[] = [];

  /** Builds the sample with this environment, the way `npm start` would. */
  async function boot(env: Record<string, string>): Promise<INestApplication> {
    for (const name of HUB_ENV) delete process.env[name];
    Object.assign(process.env, env);
    const module = await Test.createTestingModule({ imports: [AppModule.forRoot()] }).compile();
    const app = module.createNestApplication({ logger: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    return app;
  }

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close();
    await emulator.stop();
    HUB_ENV.forEach((name, i) =>
      saved[i] === undefined ? delete process.env[name] : (process.env[name] = saved[i]),
    );
  });

  it('serves /books in consumer mode with the token from the hub, and only the hub calls the token endpoint', async () => {
    const hub = await boot({
      FANDENG_MODE: 'hub',
      FANDENG_CLIENT_ID: CLIENT_ID,
      FANDENG_CLIENT_SECRET: CLIENT_SECRET,
      FANDENG_BASE_URL: emulator.url,
      FANDENG_HUB_API_KEYS: `another-key-0123456789,${KEY}`,
    });
    const consumer = await boot({
      FANDENG_MODE: 'consumer',
      FANDENG_BASE_URL: emulator.url,
      FANDENG_HUB_URL: `${await hub.getUrl()}/fandeng-token-hub`,
      FANDENG_HUB_API_KEY: KEY,
    });

    const books = await request(consumer.getHttpServer()).get('/books').expect(200);
    const status = await request(consumer.getHttpServer()).get('/status').expect(200);
    await request(hub.getHttpServer()).get('/fandeng-token-hub/token').expect(401);

    expect(books.body).toMatchObject({ clientId: CLIENT_ID });
    expect(status.body).toMatchObject({ state: 'valid', tokenRequests: 1 });
    expect(emulator.counters.tokenRequests).toBe(1);
  });

  it('refuses to boot a consumer without a hub URL, naming the variable', async () => {
    await expect(
      boot({ FANDENG_MODE: 'consumer', FANDENG_BASE_URL: emulator.url, FANDENG_HUB_API_KEY: KEY }),
    ).rejects.toThrow(/FANDENG_HUB_URL/);
  });
});
