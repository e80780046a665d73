// Typings a user's code touches beyond the guide's snippets (which test/host-app.e2e-spec.ts
// compiles beside this file from README.md): the app's own ScheduleModule, the token and status
// types, a named registration's injection. Compiled in a fresh project that has only the
// package's required peers (and @nestjs/config), with `strict` and without `skipLibCheck`, under
// both `moduleResolution: nodenext` and `bundler`. A type the package leaks from an optional peer
// (ioredis, prom-client) fails here as TS2307.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import {
  FandengAuthModule,
  FandengHttpService,
  InjectTokenService,
  TokenService,
  type AccessToken,
  type TokenStatus,
} from 'nestjs-fandeng-auth';

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
      isGlobal: true,
    }),
  ],
})
export class ScheduledAppModule {}

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
