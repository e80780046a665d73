// The README's setup examples, each made whole (imports added), compiled by
// test/host-app.e2e-spec.ts in a fresh project that has only the package's required peers (and
// @nestjs/config, which the examples use), with `strict` and without `skipLibCheck`, under both
// `moduleResolution: nodenext` and `bundler`. A type the package leaks from an optional peer
// (ioredis, prom-client) fails here as TS2307.
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import axios from 'axios';
import {
  FandengAuthModule,
  FandengHttpService,
  FandengTokenHubModule,
  InjectTokenService,
  installTokenInterceptor,
  TokenService,
  type AccessToken,
  type TokenStatus,
} from 'nestjs-fandeng-auth';
import { firstValueFrom } from 'rxjs';

// README, "Use"
@Module({
  imports: [
    ConfigModule.forRoot(),
    ScheduleModule.forRoot(), // the app's own; the module lists its timers there
    FandengAuthModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        clientId: config.getOrThrow('FANDENG_CLIENT_ID'),
        clientSecret: config.getOrThrow('FANDENG_CLIENT_SECRET'),
        baseUrl: config.getOrThrow('FANDENG_BASE_URL'),
      }),
      isGlobal: true, // optional: inject its providers everywhere
    }),
  ],
})
export class AppModule {}

@Injectable()
export class BooksService {
  constructor(private readonly http: HttpService) {} // from @nestjs/axios: the module's instance

  list() {
    return firstValueFrom(this.http.get('/api/books')); // baseURL = apiBaseUrl, token attached
  }
}

// README, "HttpService and HttpModule"
export function sign(tokenService: TokenService): () => void {
  const myAxios = axios.create();
  return installTokenInterceptor(myAxios, tokenService, {
    authorizedOrigins: ['https://open-platform-test.dushu.io'],
  });
}

// README, "TokenService"
@Injectable()
export class TokenReader {
  constructor(
    private readonly tokens: TokenService,
    private readonly http: FandengHttpService,
    @InjectTokenService('reports') private readonly reports: TokenService,
  ) {}

  async read(): Promise<[string, AccessToken, TokenStatus, string]> {
    const value = await this.tokens.getAccessToken();
    const token = await this.reports.getToken();
    return [value, token, this.tokens.getStatus(), this.http.axiosRef.defaults.baseURL ?? ''];
  }
}

// README, "the token hub"
@Module({
  imports: [
    FandengAuthModule.forRoot({ clientId: 'id', clientSecret: 'secret', baseUrl: 'https://x' }),
    FandengTokenHubModule.forRoot({
      apiKeys: [process.env.HUB_KEY_NEW!, process.env.HUB_KEY_OLD!],
    }),
  ],
})
export class HubModule {}

export const consumer = FandengAuthModule.forRoot({
  hub: { url: 'http://token-hub.internal:3000/fandeng-token-hub', apiKey: process.env.HUB_KEY! },
  baseUrl: 'https://open-platform.dushu.io',
});
