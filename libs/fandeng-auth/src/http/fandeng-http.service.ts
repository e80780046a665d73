import { HttpService } from '@nestjs/axios';
import axios from 'axios';
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
}
