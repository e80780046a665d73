import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance } from 'axios';
import { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengShutdownError } from '../errors/fandeng-shutdown.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { backoffDelay } from './backoff.js';
import { interpretTokenResponse } from './token-response.js';

/** A token answer is a few KiB; anything far larger is not a token answer. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The platform call: `POST {tokenUrl}?grant_type=client_credentials&client_id=..&client_secret=..`
 * with an empty body, exactly as documented. Its own axios instance, so that no user
 * interceptor sees the secret and no token interceptor recurses into it.
 */
export class TokenClient {
  private readonly http: AxiosInstance;
  /** Token requests sent since start: each one counts against the platform's daily limit. */
  requestCount = 0;

  constructor(
    private readonly options: ResolvedFandengAuthOptions,
    private readonly shutdown: AbortSignal,
  ) {
    this.http = axios.create({
      // The answer is parsed by interpretTokenResponse, which tells HTML from JSON from nothing.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      // A redirect would resend the secret in the query string to wherever it points.
      maxRedirects: 0,
      maxContentLength: MAX_RESPONSE_BYTES,
      headers: { Accept: 'application/json' },
    });
  }

  /**
   * Requests a token, retrying transient faults up to `attempts` times with backoff. Throws the
   * last typed error; a wait longer than `retry.maxDelayMs` (a long `Retry-After`) ends the loop.
   */
  async fetch(attempts: number): Promise<AccessToken> {
    const { initialDelayMs, maxDelayMs } = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce();
      } catch (error) {
        const failure = this.typed(error);
        if (!failure.retryable || attempt >= attempts) throw failure;
        const delay = Math.max(
          backoffDelay(attempt, initialDelayMs, maxDelayMs),
          failure instanceof FandengTransportError ? (failure.retryAfterMs ?? 0) : 0,
        );
        if (delay > maxDelayMs) throw failure;
        await sleep(delay, undefined, { signal: this.shutdown }).catch(() => undefined);
      }
    }
  }

  private async requestOnce(): Promise<AccessToken> {
    if (this.shutdown.aborted) throw new FandengShutdownError();
    // axios's own `timeout` is a socket idle timeout: a slow trickle would never trip it.
    // One controller per request, aborted by its deadline or by shutdown. Not AbortSignal.any():
    // on Node 20 each combined signal stays reachable from the long-lived shutdown signal.
    const request = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.abort();
    }, this.options.requestTimeoutMs);
    const onShutdown = () => request.abort();
    this.shutdown.addEventListener('abort', onShutdown, { once: true });
    this.requestCount++;
    try {
      const response = await this.http.post<string>(this.options.tokenUrl, undefined, {
        params: {
          grant_type: 'client_credentials',
          client_id: this.options.clientId,
          client_secret: this.options.clientSecret,
        },
        signal: request.signal,
      });
      return interpretTokenResponse(
        {
          status: response.status,
          contentType: header(response.headers['content-type']),
          retryAfter: header(response.headers['retry-after']),
          body: typeof response.data === 'string' ? response.data : '',
        },
        Date.now(),
      );
    } catch (error) {
      if (error instanceof FandengAuthError) throw error;
      if (this.shutdown.aborted) throw new FandengShutdownError();
      throw this.transportError(error, timedOut);
    } finally {
      clearTimeout(timer);
      this.shutdown.removeEventListener('abort', onShutdown);
    }
  }

  /**
   * Wraps a network failure. The axios error is dropped, not chained: its `config` holds the
   * URL and the params, and so the secret.
   */
  private transportError(error: unknown, timedOut: boolean): FandengTransportError {
    const code = (error as { code?: unknown }).code;
    const reason = timedOut
      ? `no answer within ${this.options.requestTimeoutMs} ms`
      : typeof code === 'string'
        ? code
        : 'network error';
    const cause = new Error(this.redact(error instanceof Error ? error.message : String(error)));
    Object.assign(cause, { code: timedOut ? 'ETIMEDOUT' : code });
    return new FandengTransportError(`Token request to ${this.endpoint()} failed: ${reason}`, { cause });
  }

  private typed(error: unknown): FandengAuthError {
    if (error instanceof FandengAuthError) return this.redactError(error);
    return this.transportError(error, false);
  }

  /** Defence in depth: a platform that echoes the request would put the secret in a message. */
  private redactError(error: FandengAuthError): FandengAuthError {
    const { clientSecret } = this.options;
    if (!error.message.includes(clientSecret) && !error.errorDescription?.includes(clientSecret)) {
      return error;
    }
    Object.defineProperty(error, 'message', { value: this.redact(error.message) });
    Object.defineProperty(error, 'errorDescription', { value: this.redact(error.errorDescription ?? '') });
    return error;
  }

  private redact(text: string): string {
    return text.split(this.options.clientSecret).join('[redacted]');
  }

  /** The token URL without query: safe to print. */
  private endpoint(): string {
    const url = new URL(this.options.tokenUrl);
    return `${url.origin}${url.pathname}`;
  }
}

function header(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
