import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { FandengAuthModule } from 'nestjs-fandeng-auth';
import { BooksController } from './books.controller.js';
import { validateSampleEnv, type SampleEnv } from './sample-env.js';
import { StatusController } from './status.controller.js';

/** The sample app: the whole wiring of nestjs-fandeng-auth, configured from the environment. */
@Module({})
export class AppModule {
  /** A function, not a static `@Module`, so the environment is read when the app is built. */
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ validate: validateSampleEnv }),
        FandengAuthModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService<SampleEnv, true>) => ({
            clientId: config.get('FANDENG_CLIENT_ID', { infer: true }),
            clientSecret: config.get('FANDENG_CLIENT_SECRET', { infer: true }),
            baseUrl: config.get('FANDENG_BASE_URL', { infer: true }),
            apiBaseUrl: config.get('FANDENG_API_BASE_URL', { infer: true }),
            fetchOnStart: true,
          }),
        }),
      ],
      controllers: [BooksController, StatusController],
    };
  }
}
