import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengAuthModule,
  FandengOptionsError,
  TokenService,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { CLIENT_ID, CLIENT_SECRET, rejectionOf, startEmulator } from '../support/token-harness.js';

describe('FandengAuthModule', () => {
  let emulator: FandengPlatformEmulator;

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('forRootAsync reads its options from ConfigService', async () => {
    const module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ fandeng: { id: CLIENT_ID, secret: CLIENT_SECRET, url: emulator.url } })],
        }),
        FandengAuthModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            clientId: config.getOrThrow<string>('fandeng.id'),
            clientSecret: config.getOrThrow<string>('fandeng.secret'),
            baseUrl: config.getOrThrow<string>('fandeng.url'),
            logger: false,
          }),
        }),
      ],
    }).compile();
    const value = await module.get(TokenService).getAccessToken();
    expect(emulator.isValid(value)).toBe(true);
    await module.close();
  });

  it('forRootAsync accepts useClass, and isGlobal makes TokenService injectable everywhere', async () => {
    @Injectable()
    class OptionsFactory {
      createFandengAuthOptions(): FandengAuthModuleOptions {
        return {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: emulator.url,
          logger: false,
        };
      }
    }
    @Injectable()
    class Consumer {
      constructor(readonly tokens: TokenService) {}
    }
    @Module({ providers: [Consumer], exports: [Consumer] })
    class FeatureModule {}

    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRootAsync({ useClass: OptionsFactory, isGlobal: true }),
        FeatureModule,
      ],
    }).compile();
    const value = await module.get(Consumer).tokens.getAccessToken();
    expect(emulator.isValid(value)).toBe(true);
    await module.close();
  });

  it('forRoot takes isGlobal beside the options, which validation does not see as unknown', async () => {
    @Injectable()
    class Consumer {
      constructor(readonly tokens: TokenService) {}
    }
    @Module({ providers: [Consumer] })
    class FeatureModule {}

    const module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: emulator.url,
          logger: false,
          isGlobal: true,
        }),
        FeatureModule,
      ],
    }).compile();
    expect(emulator.isValid(await module.get(Consumer).tokens.getAccessToken())).toBe(true);
    await module.close();
  });

  it('refuses bad options at boot, naming every field and never the secret', async () => {
    const secret = 'the-secret-that-must-not-show';
    const error = await rejectionOf(
      Test.createTestingModule({
        imports: [
          FandengAuthModule.forRoot({
            clientId: '',
            clientSecret: secret,
            baseUrl: 'not a url',
            refreshAheadSeconds: -5,
          }),
        ],
      }).compile(),
    );
    expect(error).toBeInstanceOf(FandengOptionsError);
    expect((error as FandengOptionsError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'baseUrl',
      'clientId',
      'refreshAheadSeconds',
    ]);
    expect(error.message).not.toContain(secret);
  });
});
