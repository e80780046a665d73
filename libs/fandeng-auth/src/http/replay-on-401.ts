import { Readable } from 'node:stream';
import { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import type { OriginGuard } from './authorized-origins.js';
import { SIGNED, type SignedConfig } from './signed-request.js';
import type { InterceptorTokenSource } from './token-interceptor.js';

/**
 * The URL that actually answered, where the adapter tells (Node's http adapter follows
 * redirects, and records the last URL on the response; a browser's XHR has `responseURL`).
 */
function respondingUrl(request: unknown): string | undefined {
  const req = request as { res?: { responseUrl?: unknown }; responseURL?: unknown } | undefined;
  const url = req?.res?.responseUrl ?? req?.responseURL;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/** A body that was consumed by the first send cannot be sent again. */
function isReplayable(data: unknown): boolean {
  return (
    !(data instanceof Readable) &&
    typeof (data as { pipe?: unknown } | undefined)?.pipe !== 'function'
  );
}

/**
 * The response interceptor's error path: on a 401 from an authorised origin to a request this
 * interceptor signed, reports the rejected token and replays the request once with a fresh one
 * (concurrent 401s share one refresh). Anything else reaches the caller as it is.
 */
export function replayOn401(
  instance: AxiosInstance,
  tokens: InterceptorTokenSource,
  guard: OriginGuard,
): (error: unknown) => Promise<AxiosResponse> {
  return async (error) => {
    if (!(error instanceof AxiosError) || error.response?.status !== 401 || !error.config)
      throw error;
    const config = error.config as SignedConfig;
    const signed = config[SIGNED];
    const responder = respondingUrl(error.request);
    if (
      signed === undefined ||
      // A redirect took the request to another origin, which answered 401: the token was not
      // sent there (SendGuards), so its 401 says nothing about the token.
      (responder !== undefined && !guard.allows(responder)) ||
      signed.replayed ||
      !isReplayable(config.data)
    ) {
      throw error;
    }
    await tokens.invalidate(signed.token);
    const fresh = await tokens.getAccessToken();
    if (fresh === signed.token) throw error; // the token was kept: a replay would only fail again
    signed.replayed = true;
    tokens.metrics.count('unauthorizedReplays');
    return instance.request(config);
  };
}
