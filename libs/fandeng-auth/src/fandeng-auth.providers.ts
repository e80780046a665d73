import { HttpService } from '@nestjs/axios';
import type { InjectionToken, Provider } from '@nestjs/common';
import {
  FANDENG_AUTH_MODULE_OPTIONS,
  FANDENG_AUTH_NAME,
  FANDENG_AUTH_OPTIONS,
  FANDENG_DEFAULT_TOKEN_SERVICE,
  FANDENG_TOKEN_ADAPTER,
  FANDENG_TOKEN_STORE,
} from './fandeng-auth.constants.js';
import { FandengHealthIndicator } from './health/fandeng-health.indicator.js';
import { FandengFetch } from './http/fandeng-fetch.js';
import { FandengHttpService } from './http/fandeng-http.service.js';
import type { FandengAuthModuleOptions } from './interfaces/fandeng-auth-options.interface.js';
import { resolveOptions, type ResolvedFandengAuthOptions } from './options/resolve-options.js';
import { InMemoryTokenStore } from './stores/in-memory-token.store.js';
import { TokenService } from './token/token.service.js';
import { tokenProviders } from './token/token.providers.js';

/** The injection token of a named registration's `TokenService`; the class itself for the default one. */
export function getTokenServiceToken(name?: string): InjectionToken {
  return name ? `FANDENG_AUTH:TOKEN_SERVICE:${name}` : TokenService;
}

/** The injection token of a named registration's `FandengHttpService`; the class itself for the default one. */
export function getFandengHttpServiceToken(name?: string): InjectionToken {
  return name ? `FANDENG_AUTH:HTTP_SERVICE:${name}` : FandengHttpService;
}

/** The injection token of a named registration's `FandengFetch`; the class itself for the default one. */
export function getFandengFetchToken(name?: string): InjectionToken {
  return name ? `FANDENG_AUTH:FETCH:${name}` : FandengFetch;
}

/** The injection token of a named registration's `FandengHealthIndicator`; the class itself for the default one. */
export function getFandengHealthIndicatorToken(name?: string): InjectionToken {
  return name ? `FANDENG_AUTH:HEALTH:${name}` : FandengHealthIndicator;
}

/**
 * The providers and exports of one registration. The default one provides and exports the
 * classes (`TokenService`, `FandengHttpService`, `HttpService`, `FandengFetch`,
 * `FandengHealthIndicator`); a named
 * one provides its services under its named tokens only, never under the classes. So two
 * registrations in one app can never hand one's token or client to the other's injection point,
 * and `app.get(TokenService)` finds the default one, never a named one.
 */
export function registrationProviders(name: string | undefined): {
  providers: Provider[];
  exports: InjectionToken[];
} {
  const tokenService = getTokenServiceToken(name);
  const httpService = getFandengHttpServiceToken(name);
  const healthIndicator = getFandengHealthIndicatorToken(name);
  const fetchClient = getFandengFetchToken(name);
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
    { provide: FANDENG_TOKEN_ADAPTER, useValue: undefined },
    ...tokenProviders(),
    { provide: tokenService, useClass: TokenService },
    {
      provide: httpService,
      useFactory: (options: ResolvedFandengAuthOptions, tokens: TokenService) =>
        FandengHttpService.create(options, tokens),
      inject: [FANDENG_AUTH_OPTIONS, tokenService],
    },
    {
      provide: fetchClient,
      useFactory: (options: ResolvedFandengAuthOptions, tokens: TokenService) =>
        new FandengFetch(tokens, options),
      inject: [FANDENG_AUTH_OPTIONS, tokenService],
    },
    {
      provide: healthIndicator,
      useFactory: (tokens: TokenService) => FandengHealthIndicator.for(tokens),
      inject: [tokenService],
    },
  ];
  if (name)
    return { providers, exports: [tokenService, httpService, fetchClient, healthIndicator] };
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
      FandengFetch,
      FandengHealthIndicator,
      FANDENG_AUTH_OPTIONS,
    ],
  };
}
