import type { AddressInfo } from 'node:net';
import { HttpService } from '@nestjs/axios';
import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengAuthModule,
  FandengTokenHubModule,
  TokenService,
  type FandengAuthModuleOptions,
  type FandengTokenHubOptions,
} from 'nestjs-fandeng-auth';
import { CaptureLogger } from './capture-logger.js';
import { CLIENT_ID, CLIENT_SECRET, FAST_RETRY, startEmulator } from './token-harness.js';

export const KEY_A = 'hub-key-a-0123456789abcdef';
export const KEY_B = 'hub-key-b-fedcba9876543210';
export const OLD_KEY = 'hub-key-old-00000000000000';
export const HUB_PATH = 'internal/token-hub';

export interface Hub {
  app: INestApplication;
  url: string;
  tokens: TokenService;
  logger: CaptureLogger;
}

export interface Consumer {
  module: TestingModule;
  tokens: TokenService;
  http: HttpService;
  logger: CaptureLogger;
}

/**
 * A hub (a Nest app on 127.0.0.1 with `FandengTokenHubModule`) and its consumers against the
 * emulator. `setUp`/`tearDown` in `beforeEach`/`afterEach`; a test may replace `emulator` or
 * `hub` (the last hub started is the consumers' default, and is closed at the end).
 */
export class HubFixture {
  emulator!: FandengPlatformEmulator;
  hub: Hub | undefined;
  readonly consumers: Consumer[] = [];
  /** Every token the hubs obtained, to scan logs and errors for. */
  readonly issued = new Set<string>();

  async setUp(): Promise<void> {
    this.emulator = await startEmulator();
  }

  async tearDown(): Promise<void> {
    for (const consumer of this.consumers.splice(0)) await consumer.module.close();
    await this.hub?.app.close();
    this.hub = undefined;
    await this.emulator.stop();
  }

  async startHub(
    options: {
      apiKeys?: FandengTokenHubOptions['apiKeys'];
      port?: number;
      auth?: Partial<FandengAuthModuleOptions>;
    } = {},
  ): Promise<Hub> {
    const logger = new CaptureLogger();
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: this.emulator.url,
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
    const hub = {
      app,
      url: `http://127.0.0.1:${port}/${HUB_PATH}`,
      tokens: app.get(TokenService),
      logger,
    };
    this.watch(hub);
    return hub;
  }

  /** Makes `hub` the current one and records its tokens. */
  watch(hub: Hub): void {
    this.hub = hub;
    hub.tokens.tokenChanges$.subscribe((token) => this.issued.add(token.value));
  }

  async startConsumer(options: Partial<FandengAuthModuleOptions> = {}): Promise<Consumer> {
    const logger = new CaptureLogger();
    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          hub: { url: this.hub!.url, apiKey: KEY_A },
          baseUrl: this.emulator.url,
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
    this.consumers.push(consumer);
    return consumer;
  }

  /** Every line logged anywhere, and every error seen, must be free of keys, secret and tokens. */
  expectNoSecrets(texts: string[]): void {
    const secrets = [KEY_A, KEY_B, OLD_KEY, CLIENT_SECRET, ...this.issued];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  }

  allLines(): string[] {
    return [...(this.hub?.logger.lines ?? []), ...this.consumers.flatMap((c) => c.logger.lines)];
  }
}
