import { ConfigurableModuleBuilder } from '@nestjs/common';
import { FANDENG_AUTH_MODULE_OPTIONS } from './fandeng-auth.constants.js';
import { registrationProviders } from './fandeng-auth.providers.js';
import { FandengOptionsError } from './errors/fandeng-options.error.js';
import type { FandengAuthModuleOptions } from './interfaces/fandeng-auth-options.interface.js';

/** Extras of `forRoot()` / `forRootAsync()` that shape the module rather than the token logic. */
export interface FandengAuthModuleExtras {
  /** Register the module globally, so every module can inject its providers. Default `false`. */
  isGlobal?: boolean;
  /**
   * A name for this registration, to use several credentials in one app. A named registration
   * has its own token, store keys, schedule and `HttpService`, and exports them only under
   * named tokens: inject with `@InjectTokenService(name)` / `@InjectFandengHttpService(name)`.
   */
  name?: string;
}

const NAME = /^[\w.-]+$/;

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<FandengAuthModuleOptions>({
    optionsInjectionToken: FANDENG_AUTH_MODULE_OPTIONS,
    moduleName: 'FandengAuth',
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createFandengAuthOptions')
    // Every extra needs a key in the defaults: Nest strips from the options only the keys it
    // finds there, and validation refuses unknown ones.
    .setExtras<FandengAuthModuleExtras>(
      { isGlobal: false, name: undefined },
      (definition, extras) => {
        if (extras.name !== undefined && !NAME.test(extras.name)) {
          throw new FandengOptionsError(['name: letters, digits, ".", "_" and "-" only']);
        }
        const { providers, exports } = registrationProviders(extras.name);
        return {
          ...definition,
          global: extras.isGlobal,
          providers: [...(definition.providers ?? []), ...providers],
          exports: [...(definition.exports ?? []), ...exports],
        };
      },
    )
    .build();

/** The argument of `FandengAuthModule.forRootAsync()`. */
export type FandengAuthAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
