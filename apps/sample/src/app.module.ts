import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { register } from 'prom-client';
import {
  FandengAuthModule,
  FandengTokenHubModule,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { BooksController } from './books.controller.js';
import { FandengMetrics } from './fandeng-metrics.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { validateSampleEnv, type SampleEnv } from './sample-env.js';
import { StatusController } from './status.controller.js';

type Config = ConfigService<SampleEnv, true>;

/** The token source from the environment: the platform credentials, or a hub (consumer mode). */
function tokenSource(
  config: Config,
): Pick<FandengAuthModuleOptions, 'clientId' | 'clientSecret' | 'hub'> {
  if (config.get('FANDENG_MODE', { infer: true }) === 'consumer') {
    return {
      hub: {
        url: config.get('FANDENG_HUB_URL', { infer: true })!,
        apiKey: config.get('FANDENG_HUB_API_KEY', { infer: true })!,
      },
    };
  }
  return {
    clientId: config.get('FANDENG_CLIENT_ID', { infer: true }),
    clientSecret: config.get('FANDENG_CLIENT_SECRET', { infer: true }),
  };
}

/** The sample app: the whole wiring of nestjs-fandeng-auth, configured from the environment. */
@Module({})
export class AppModule {
  /** A function, not a static `@Module`, so the environment is read when the app is built. */
  static forRoot(): DynamicModule {
    // prom-client's registry is global: a second app in one process (tests) starts afresh.
    register.clear();
    const hub = process.env.FANDENG_MODE === 'hub';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ validate: validateSampleEnv }),
        TerminusModule.forRoot({ logger: false }),
        FandengAuthModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: Config) => ({
            ...tokenSource(config),
            baseUrl: config.get('FANDENG_BASE_URL', { infer: true }),
            apiBaseUrl: config.get('FANDENG_API_BASE_URL', { infer: true }),
            tokenPath: config.get('FANDENG_TOKEN_PATH', { infer: true }),
            fetchOnStart: true,
          }),
        }),
        // Hub mode: GET /fandeng-token-hub/token and POST /fandeng-token-hub/token/rejected.
        ...(hub
          ? [
              FandengTokenHubModule.forRootAsync({
                imports: [ConfigModule],
                inject: [ConfigService],
                useFactory: (config: Config) => ({
                  apiKeys: config.get('FANDENG_HUB_API_KEYS', { infer: true })!.split(','),
                }),
              }),
            ]
          : []),
      ],
      controllers: [BooksController, StatusController, HealthController, MetricsController],
      providers: [FandengMetrics],
    };
  }
}
