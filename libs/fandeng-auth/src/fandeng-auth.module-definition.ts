import { ConfigurableModuleBuilder } from '@nestjs/common';
import { FANDENG_AUTH_MODULE_OPTIONS } from './fandeng-auth.constants.js';
import type { FandengAuthModuleOptions } from './interfaces/fandeng-auth-options.interface.js';

/** Extras of `forRoot()` / `forRootAsync()` that shape the module rather than the token logic. */
export interface FandengAuthModuleExtras {
  /** Register the module globally, so every module can inject its providers. Default `false`. */
  isGlobal?: boolean;
}

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<FandengAuthModuleOptions>({
    optionsInjectionToken: FANDENG_AUTH_MODULE_OPTIONS,
    moduleName: 'FandengAuth',
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createFandengAuthOptions')
    .setExtras<FandengAuthModuleExtras>({ isGlobal: false }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/** The argument of `FandengAuthModule.forRootAsync()`. */
export type FandengAuthAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
