import { HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import {
  FANDENG_AUTH_MODULE_OPTIONS,
  FANDENG_AUTH_OPTIONS,
  FANDENG_TOKEN_STORE,
} from './fandeng-auth.constants.js';
import { ConfigurableModuleClass } from './fandeng-auth.module-definition.js';
import { FandengHttpService } from './http/fandeng-http.service.js';
import type { FandengAuthModuleOptions } from './interfaces/fandeng-auth-options.interface.js';
import { resolveOptions, type ResolvedFandengAuthOptions } from './options/resolve-options.js';
import { InMemoryTokenStore } from './stores/in-memory-token.store.js';
import { TokenService } from './token/token.service.js';

/**
 * Gets and refreshes the Fandeng platform's access token.
 * `FandengAuthModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory })`.
 */
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [
    {
      // Validation runs here, so bad options stop the boot before anything else starts.
      provide: FANDENG_AUTH_OPTIONS,
      useFactory: (options: FandengAuthModuleOptions) => resolveOptions(options),
      inject: [FANDENG_AUTH_MODULE_OPTIONS],
    },
    {
      provide: FANDENG_TOKEN_STORE,
      useFactory: (options: ResolvedFandengAuthOptions) =>
        options.store ?? new InMemoryTokenStore(),
      inject: [FANDENG_AUTH_OPTIONS],
    },
    TokenService,
    {
      provide: FandengHttpService,
      useFactory: (options: ResolvedFandengAuthOptions, tokens: TokenService) =>
        FandengHttpService.create(options, tokens),
      inject: [FANDENG_AUTH_OPTIONS, TokenService],
    },
    { provide: HttpService, useExisting: FandengHttpService },
  ],
  exports: [TokenService, FandengHttpService, HttpService, FANDENG_AUTH_OPTIONS],
})
export class FandengAuthModule extends ConfigurableModuleClass {}
