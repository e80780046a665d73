import { HttpService } from '@nestjs/axios';
import type { InjectionToken, Provider } from '@nestjs/common';
import {
  FANDENG_AUTH_MODULE_OPTIONS,
  FANDENG_AUTH_NAME,
  FANDENG_AUTH_OPTIONS,
  FANDENG_DEFAULT_TOKEN_SERVICE,
  FANDENG_TOKEN_STORE,
} from './fandeng-auth.constants.js';
import { FandengHealthIndicator } from './health/fandeng-health.indicator.js';
import { FandengHttpService } from './http/fandeng-http.service.js';
import type { FandengAuthModuleOptions } from './interfaces/fandeng-auth-options.interface.js';
import { resolveOptions, type ResolvedFandengAuthOptions } from './options/resolve-options.js';
import { InMemoryTokenStore } from './stores/in-memory-token.store.js';
import { TokenService } from './token/token.service.js';

/** The injection token of a named registration's `TokenService`; the class itself for the default one. */
export function getTokenServiceToken(name?: string): InjectionToken {
  return name ? `FANDENG_AUTH:TOKEN_SERVICE:${name}` : TokenService;
}

/** The injection token of a named registration's `FandengHttpService`; the class itself for the default one. */
export function getFandengHttpServiceToken(name?: string): InjectionToken {
  return name ? `FANDENG_AUTH:HTTP_SERVICE:${name}` : FandengHttpService;
}

/** The injection token of a named registration's `FandengHealthIndicator`; the class itself for the default one. */
export function getFandengHealthIndicatorToken(name?: string): InjectionToken {
  return name ? `FANDENG_AUTH:HEALTH:${name}` : FandengHealthIndicator;
}

/**
 * The providers and exports of one registration. The default one exports the classes
 * (`TokenService`, `FandengHttpService`, `HttpService`, `FandengHealthIndicator`); a named one
 * exports only its named tokens, so that two registrations in one app can never hand one's
 * token or client to the other's injection point.
 */
export function registrationProviders(name: string | undefined): {
  providers: Provider[];
  exports: InjectionToken[];
} {
  const providers: Provider[] = [
    { provide: FANDENG_AUTH_NAME, useValue: name ?? '' },
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
    FandengHealthIndicator,
  ];
  if (!name) {
    providers.push(
      { provide: HttpService, useExisting: FandengHttpService },
      { provide: FANDENG_DEFAULT_TOKEN_SERVICE, useExisting: TokenService },
    );
    return {
      providers,
      exports: [
        TokenService,
        FandengHttpService,
        HttpService,
        FandengHealthIndicator,
        FANDENG_AUTH_OPTIONS,
      ],
    };
  }
  const named = [
    { provide: getTokenServiceToken(name), useExisting: TokenService },
    { provide: getFandengHttpServiceToken(name), useExisting: FandengHttpService },
    { provide: getFandengHealthIndicatorToken(name), useExisting: FandengHealthIndicator },
  ];
  return { providers: [...providers, ...named], exports: named.map((p) => p.provide) };
}
