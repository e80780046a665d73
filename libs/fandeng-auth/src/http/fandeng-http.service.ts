import { HttpService } from '@nestjs/axios';
import axios, { type AxiosPromise, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { Observable } from 'rxjs';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import type { TokenService } from '../token/token.service.js';
import { installTokenInterceptor } from './token-interceptor.js';

/**
 * The module's `HttpService`: `baseURL` is `apiBaseUrl` and every request to an authorised
 * origin carries the token. Also provided as `HttpService`; inject this class by name where a
 * module imports `HttpModule` as well, so there is no doubt which one arrives.
 */
export class FandengHttpService extends HttpService {
  static create(options: ResolvedFandengAuthOptions, tokens: TokenService): FandengHttpService {
    const service = new FandengHttpService(axios.create({ baseURL: options.apiBaseUrl }));
    installTokenInterceptor(service, tokens, {
      authorizedOrigins: options.authorizedOrigins,
      retryOnUnauthorized: options.retryOnUnauthorized,
    });
    return service;
  }

  /**
   * `HttpService`'s Observable, with one difference: the request is cancelled when the caller
   * unsubscribes before it settles (a `timeout()`, a `switchMap`), not also after it settled.
   * `@nestjs/axios` cancels in every teardown, and each cancel builds a `CanceledError` with a
   * stack trace that nobody reads: on a fast API that was the largest cost of the README's way.
   */
  protected override makeObservable<T>(
    request: (...args: unknown[]) => AxiosPromise<T>,
    ...args: unknown[]
  ): Observable<AxiosResponse<T>> {
    return new Observable((subscriber) => {
      const argsCopy = [...args];
      const configIdx = argsCopy.length - 1;
      const config: AxiosRequestConfig = { ...(argsCopy[configIdx] as AxiosRequestConfig) };
      argsCopy[configIdx] = config;
      const source = config.cancelToken ? undefined : axios.CancelToken.source();
      if (source) config.cancelToken = source.token;
      let settled = false;
      request(...argsCopy).then(
        (response) => {
          settled = true;
          subscriber.next(response);
          subscriber.complete();
        },
        (error: unknown) => {
          settled = true;
          subscriber.error(error);
        },
      );
      return () => {
        if (!settled && source && config.responseType !== 'stream') source.cancel();
      };
    });
  }
}
