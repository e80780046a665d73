import { HttpService } from '@nestjs/axios';
import { Module, type DynamicModule, type InjectionToken } from '@nestjs/common';
import axios from 'axios';
import { DEFAULT_BASE_URL } from '../fandeng-auth.constants.js';
import { FandengHealthIndicator } from '../health/fandeng-health.indicator.js';
import { FandengFetch } from '../http/fandeng-fetch.js';
import { FandengHttpService } from '../http/fandeng-http.service.js';
import { installTokenInterceptor } from '../http/token-interceptor.js';
import {
  getFandengFetchToken,
  getFandengHealthIndicatorToken,
  getFandengHttpServiceToken,
  getTokenServiceToken,
} from '../fandeng-auth.providers.js';
import { TokenService } from '../token/token.service.js';
import { FakeTokenService, type FakeTokenOptions } from './fake-token.service.js';

/** Options of {@link FandengAuthTestingModule.forRoot}. */
export interface FandengAuthTestingOptions extends FakeTokenOptions {
  /** `baseURL` of the provided `HttpService`, as `apiBaseUrl` in the real module. Default `https://open-platform-test.dushu.io`. */
  apiBaseUrl?: string;
  /** Origins that receive the fake token. Default: the origin of `apiBaseUrl`. */
  authorizedOrigins?: string[];
  /** On a 401, invalidate the fake token and replay once with a new one. Default `true`. */
  retryOnUnauthorized?: boolean;
  /** Register the module globally, as `FandengAuthModule` can be. Default `false`. */
  isGlobal?: boolean;
  /**
   * Stand in for the registration with this `name`: the fake, its `FandengHttpService` and its
   * health indicator are then exported only under the named tokens (`getTokenServiceToken(name)`,
   * `@InjectTokenService(name)`, ...), and the fake itself under `getFakeTokenServiceToken(name)`.
   */
  name?: string;
}

/** The injection token of the fake standing in for the registration called `name`. */
export function getFakeTokenServiceToken(name?: string): InjectionToken {
  return name ? `FANDENG_AUTH:FAKE_TOKEN_SERVICE:${name}` : FakeTokenService;
}

/**
 * Stands in for `FandengAuthModule` in a user's tests: `TokenService` is a
 * {@link FakeTokenService} (inject `FakeTokenService` to control it); `HttpService` /
 * `FandengHttpService` and `FandengFetch` put the fake token on requests to the authorised
 * origins, with the same code as the real module; `FandengHealthIndicator` reports on the fake. Nothing is
 * fetched and no timer runs.
 */
@Module({})
export class FandengAuthTestingModule {
  static forRoot(options: FandengAuthTestingOptions = {}): DynamicModule {
    const apiBaseUrl = options.apiBaseUrl ?? DEFAULT_BASE_URL;
    const authorizedOrigins = options.authorizedOrigins ?? [new URL(apiBaseUrl).origin];
    const module: DynamicModule = {
      module: FandengAuthTestingModule,
      global: options.isGlobal ?? false,
      providers: [
        { provide: FakeTokenService, useFactory: () => new FakeTokenService(options) },
        { provide: TokenService, useExisting: FakeTokenService },
        {
          provide: FandengHttpService,
          useFactory: (fake: FakeTokenService) => {
            const http = new FandengHttpService(axios.create({ baseURL: apiBaseUrl }));
            installTokenInterceptor(http, fake, {
              authorizedOrigins,
              retryOnUnauthorized: options.retryOnUnauthorized,
            });
            return http;
          },
          inject: [FakeTokenService],
        },
        { provide: HttpService, useExisting: FandengHttpService },
        {
          provide: FandengFetch,
          useFactory: (fake: FakeTokenService) =>
            new FandengFetch(fake, {
              apiBaseUrl,
              authorizedOrigins,
              retryOnUnauthorized: options.retryOnUnauthorized,
            }),
          inject: [FakeTokenService],
        },
        {
          provide: FandengHealthIndicator,
          useFactory: (fake: FakeTokenService) => FandengHealthIndicator.for(fake),
          inject: [FakeTokenService],
        },
      ],
      exports: [
        FakeTokenService,
        TokenService,
        FandengHttpService,
        HttpService,
        FandengFetch,
        FandengHealthIndicator,
      ],
    };
    if (!options.name) return module;
    const { name } = options;
    const named = [
      { provide: getFakeTokenServiceToken(name), useExisting: FakeTokenService },
      { provide: getTokenServiceToken(name), useExisting: FakeTokenService },
      { provide: getFandengHttpServiceToken(name), useExisting: FandengHttpService },
      { provide: getFandengFetchToken(name), useExisting: FandengFetch },
      { provide: getFandengHealthIndicatorToken(name), useExisting: FandengHealthIndicator },
    ];
    return {
      ...module,
      providers: [...module.providers!, ...named],
      exports: named.map((p) => p.provide),
    };
  }
}
