import type { AxiosRequestConfig } from 'axios';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import type { FetchedToken, TokenEndpoint } from './token-endpoint.interface.js';
import { isTransientStatus } from './token-failure.js';
import { interpretTokenResponse, type RawTokenResponse } from './token-response.js';

/**
 * The platform call: `POST {tokenUrl}?grant_type=client_credentials&client_id=..&client_secret=..`
 * with an empty body, exactly as documented.
 */
export class PlatformTokenEndpoint implements TokenEndpoint {
  readonly description: string;
  readonly secrets: readonly string[];

  constructor(private readonly options: ResolvedFandengAuthOptions) {
    const url = new URL(options.tokenUrl);
    this.description = `${url.origin}${url.pathname}`;
    this.secrets = [options.clientSecret];
  }

  request(): AxiosRequestConfig {
    return {
      method: 'POST',
      url: this.options.tokenUrl,
      params: {
        grant_type: 'client_credentials',
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
      },
    };
  }

  interpret(answer: RawTokenResponse): FetchedToken {
    return { token: interpretTokenResponse(answer, Date.now()) };
  }

  /**
   * The token URL without credentials: the platform cannot count a request that names no client
   * against any client's daily limit, and any answer it gives (400 `invalid_request`, 401) shows
   * that it is up. A transient status ({@link isTransientStatus}), or no answer, says it is not
   * (docs/platform/liveness.md).
   */
  probe(): { request: AxiosRequestConfig; alive: (status: number) => boolean } {
    return {
      request: { method: 'POST', url: this.options.tokenUrl },
      alive: (status) => !isTransientStatus(status),
    };
  }
}
