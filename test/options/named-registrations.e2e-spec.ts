import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengAuthModule,
  type FandengHttpService,
  InjectFandengHttpService,
  InjectTokenService,
  TokenService,
  getTokenServiceToken,
} from 'nestjs-fandeng-auth';
import { CaptureLogger } from '../support/capture-logger.js';
import { RecordingServer } from '../support/recording-server.js';
import { CLIENT_ID, CLIENT_SECRET, startEmulator } from '../support/token-harness.js';

describe('several credentials in one app', () => {
  const PARTNER_ID = 'partner-b-client';
  const PARTNER_SECRET = 'partner-b-secret-9a8b7c';
  let main: FandengPlatformEmulator;
  let partner: FandengPlatformEmulator;
  let other: RecordingServer;
  let module: TestingModule | undefined;

  @Injectable()
  class TwoPlatforms {
    constructor(
      @Inject(HttpService) readonly defaultHttp: HttpService,
      @Inject(TokenService) readonly defaultTokens: TokenService,
      @InjectFandengHttpService('partner-b') readonly partnerHttp: FandengHttpService,
      @InjectTokenService('partner-b') readonly partnerTokens: TokenService,
    ) {}
  }

  @Module({ providers: [TwoPlatforms] })
  class FeatureModule {}

  beforeEach(async () => {
    main = await startEmulator();
    partner = await startEmulator({ clients: { [PARTNER_ID]: PARTNER_SECRET } });
    other = new RecordingServer();
    await other.start();
  });
  afterEach(async () => {
    await module?.close();
    module = undefined;
    await other.stop();
    await partner.stop();
    await main.stop();
  });

  async function boot() {
    const logger = new CaptureLogger();
    module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: main.url,
          logger,
          isGlobal: true,
        }),
        FandengAuthModule.forRootAsync({
          name: 'partner-b',
          isGlobal: true,
          useFactory: () => ({
            clientId: PARTNER_ID,
            clientSecret: PARTNER_SECRET,
            baseUrl: partner.url,
            logger,
          }),
        }),
        FeatureModule,
      ],
    }).compile();
    await module.init();
    return { services: module.get(TwoPlatforms), logger };
  }

  it('gives each name its own token and client, and never one name’s token to another', async () => {
    const { services, logger } = await boot();
    const mainResponse = await services.defaultHttp.axiosRef.get('/api/books');
    const partnerResponse = await services.partnerHttp.axiosRef.get('/api/books');
    // Each client sends only to its own platform: the other's origin gets no token.
    await services.partnerHttp.axiosRef.get(`${main.url}/api/books`, {
      validateStatus: () => true,
    });
    await services.defaultHttp.axiosRef.get(`${other.url}/x`);
    await services.partnerHttp.axiosRef.get(`${other.url}/y`);

    const mainToken = await services.defaultTokens.getAccessToken();
    const partnerToken = await services.partnerTokens.getAccessToken();
    // A lookup by class (`app.get(TokenService)` in a script) finds the default registration.
    expect(module!.get(TokenService)).toBe(services.defaultTokens);
    expect(module!.get(HttpService)).toBe(services.defaultHttp);
    expect(mainResponse.status).toBe(200);
    expect(partnerResponse.status).toBe(200);
    expect(mainToken).not.toBe(partnerToken);
    expect(main.isValid(mainToken)).toBe(true);
    expect(partner.isValid(partnerToken)).toBe(true);
    expect(main.counters.apiUnauthorized).toBe(1); // the partner client's call to main went unsigned
    expect(other.received.map((h) => h.authorization)).toEqual([undefined, undefined]);
    expect(main.counters.tokenRequests).toBe(1);
    expect(partner.counters.tokenRequests).toBe(1);
    expect(services.partnerTokens).not.toBe(services.defaultTokens);
    expect(module!.get(getTokenServiceToken('partner-b'))).toBe(services.partnerTokens);
    expect(logger.lines.join('\n')).not.toContain(partnerToken);
  });

  it('exports a named registration only under its name', async () => {
    @Injectable()
    class WantsTheDefault {
      constructor(@Inject(TokenService) readonly tokens: TokenService) {}
    }
    @Module({ providers: [WantsTheDefault] })
    class Feature {}
    const named = FandengAuthModule.forRoot({
      clientId: PARTNER_ID,
      clientSecret: PARTNER_SECRET,
      baseUrl: partner.url,
      name: 'partner-b',
      isGlobal: true,
      logger: false,
    });

    await expect(Test.createTestingModule({ imports: [named, Feature] }).compile()).rejects.toThrow(
      /WantsTheDefault/,
    );
  });

  it('takes name beside the options in forRoot, as in forRootAsync', async () => {
    module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: PARTNER_ID,
          clientSecret: PARTNER_SECRET,
          baseUrl: partner.url,
          name: 'partner-b',
          logger: false,
        }),
      ],
    }).compile();
    await module.init();
    const tokens = module.get<TokenService>(getTokenServiceToken('partner-b'));

    expect(partner.isValid(await tokens.getAccessToken())).toBe(true);
  });

  it('refuses a name that cannot be part of a key', () => {
    expect(() =>
      FandengAuthModule.forRoot({ clientId: 'a', clientSecret: 'b', name: 'has space' }),
    ).toThrow(/name: letters, digits/);
  });
});
