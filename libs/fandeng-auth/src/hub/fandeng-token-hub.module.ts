import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import { HubApiKeyGuard } from './hub-api-key.guard.js';
import {
  createTokenHubController,
  createTokenHubOpenApiController,
} from './token-hub.controller.js';
import { TokenHubService } from './token-hub.service.js';
import {
  DEFAULT_HUB_PATH,
  FANDENG_TOKEN_HUB_MODULE_OPTIONS,
  FANDENG_TOKEN_HUB_OPTIONS,
  resolveTokenHubOptions,
  type FandengTokenHubExtras,
  type FandengTokenHubOptions,
} from './token-hub-options.js';

const { ConfigurableModuleClass, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<FandengTokenHubOptions>({
    optionsInjectionToken: FANDENG_TOKEN_HUB_MODULE_OPTIONS,
    moduleName: 'FandengTokenHub',
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createFandengTokenHubOptions')
    .setExtras<FandengTokenHubExtras>({ path: DEFAULT_HUB_PATH }, (definition, extras) => ({
      ...definition,
      controllers: [
        createTokenHubController(extras.path ?? DEFAULT_HUB_PATH),
        createTokenHubOpenApiController(extras.path ?? DEFAULT_HUB_PATH),
      ],
    }))
    .build();

/** The argument of `FandengTokenHubModule.forRootAsync()`. */
export type FandengTokenHubAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

/**
 * Turns an app that runs `FandengAuthModule` with the platform credentials into the central
 * token hub the platform asks for: consumers (`FandengAuthModule.forRoot({ hub })`) get the token
 * from it and never call the platform's token endpoint or hold the secret.
 */
@Module({
  providers: [
    {
      provide: FANDENG_TOKEN_HUB_OPTIONS,
      useFactory: (options: FandengTokenHubOptions) => resolveTokenHubOptions(options),
      inject: [FANDENG_TOKEN_HUB_MODULE_OPTIONS],
    },
    HubApiKeyGuard,
    TokenHubService,
  ],
  // The hub's consumer counts (registerFandengHubMetrics) and its key check, for the app's own routes.
  exports: [HubApiKeyGuard, TokenHubService],
})
export class FandengTokenHubModule extends ConfigurableModuleClass {}
