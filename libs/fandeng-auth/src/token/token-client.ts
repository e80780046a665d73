import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios';
import { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengPacedError } from '../errors/fandeng-paced.error.js';
import { FandengShutdownError } from '../errors/fandeng-shutdown.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import { retryAfterOf } from '../sources/token-failure.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { backoffDelay } from './backoff.js';
import { pause } from './clock.js';
import type { RequestPacer } from './request-pacer.js';
import { redactSecrets, secretForms } from './secret-forms.js';
import type { FetchedToken, TokenEndpoint } from '../sources/token-endpoint.interface.js';

/** A probe that has not been answered in this long is a "not yet". */
const PROBE_TIMEOUT_MS = 3_000;
/** A token answer is a few KiB; anything far larger is not a token answer. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** What a {@link TokenClient} is told besides the endpoint. */
export interface TokenClientHooks {
  /** The floor under every schedule: no request leaves without a slot from it. */
  pacer?: RequestPacer;
  /** Called as each request leaves: every one counts against the platform's daily limit. */
  onRequest?: () => void;
  /** The axios adapter (the socket): a test that simulates a day replaces it, nothing else. */
  adapter?: AxiosAdapter;
  /** The source moved to another replica after a failure (what failed, where requests go now). */
  onMove?: (failure: FandengAuthError, now: string) => void;
}

/**
 * Sends token requests with retries, a whole-request deadline and typed errors. Its own axios
 * instance, so that no user interceptor sees the secret and no token interceptor recurses into it.
 */
export class TokenClient {
  private readonly http: AxiosInstance;
  private readonly secrets: readonly string[];
  /** Where the requests go, safe to print. */
  get description(): string {
    return this.endpoint.description;
  }

  /** Token requests sent since start: each one counts against the platform's daily limit. */
  requestCount = 0;

  constructor(
    private readonly endpoint: TokenEndpoint,
    private readonly options: ResolvedFandengAuthOptions,
    private readonly shutdown: AbortSignal,
    private readonly hooks: TokenClientHooks = {},
  ) {
    this.secrets = endpoint.secrets.filter((secret) => secret.length > 0);
    this.http = axios.create({
      adapter: hooks.adapter,
      // The answer is parsed by interpretTokenResponse, which tells HTML from JSON from nothing.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      // A redirect would resend the secret in the query string to wherever it points.
      maxRedirects: 0,
      maxContentLength: MAX_RESPONSE_BYTES,
      headers: { Accept: 'application/json' },
      // A connection per request: token calls are hours apart, and a kept-alive socket would
      // outlive app.close() and may be one the server has just closed (ECONNRESET on reuse).
      httpAgent: new HttpAgent({ keepAlive: false }),
      httpsAgent: new HttpsAgent({ keepAlive: false }),
    });
  }

  /**
   * Requests a token, retrying transient faults up to `attempts` times with backoff. Throws the
   * last typed error; a wait longer than `retry.maxDelayMs` (a long `Retry-After`) ends the loop.
   */
  async fetch(attempts: number, rejected?: string): Promise<FetchedToken> {
    const { initialDelayMs, maxDelayMs } = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce(rejected);
      } catch (error) {
        const failure = this.typed(error);
        const moved = this.endpoint.failed?.(failure);
        if (moved !== undefined) this.hooks.onMove?.(failure, moved);
        if (attempt >= attempts) throw failure;
        // Another replica may well answer, whatever this one said: ask it at once.
        if (moved !== undefined) continue;
        if (!failure.retryable) throw failure;
        const delay = Math.max(
          backoffDelay(attempt, initialDelayMs, maxDelayMs),
          retryAfterOf(failure) ?? 0,
        );
        if (delay > maxDelayMs) throw failure;
        await pause(delay, this.shutdown);
      }
    }
  }

  private async requestOnce(rejected: string | undefined): Promise<FetchedToken> {
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
    try {
      this.takeSlot();
      this.requestCount++;
      this.hooks.onRequest?.();
      const requestedAt = Date.now();
      const response = await this.http.request<string>({
        ...this.endpoint.request(rejected),
        signal: request.signal,
      });
      return this.endpoint.interpret(
        {
          status: response.status,
          contentType: header(response.headers['content-type']),
          retryAfter: header(response.headers['retry-after']),
          body: typeof response.data === 'string' ? response.data : '',
        },
        requestedAt,
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
   * Sends the endpoint's probe: `true` when the source answered like a live one. Not a token
   * request: neither counted nor paced, and it never throws.
   */
  async probe(): Promise<boolean> {
    if (this.shutdown.aborted) return false;
    const { request, alive } = this.endpoint.probe();
    const controller = new AbortController();
    const onShutdown = () => controller.abort();
    this.shutdown.addEventListener('abort', onShutdown, { once: true });
    const timer = setTimeout(
      () => controller.abort(),
      Math.min(this.options.requestTimeoutMs, PROBE_TIMEOUT_MS),
    );
    try {
      const response = await this.http.request({ ...request, signal: controller.signal });
      return alive(response.status);
    } catch {
      return false; // refused, reset, timed out, DNS: not back yet
    } finally {
      clearTimeout(timer);
      this.shutdown.removeEventListener('abort', onShutdown);
    }
  }

  /** Throws {@link FandengPacedError} when the pacer has no request to spare now. */
  private takeSlot(): void {
    const pacer = this.hooks.pacer;
    if (pacer === undefined) return;
    const slot = pacer.take();
    if (slot.ok) return;
    throw new FandengPacedError(
      `Token request to ${this.endpoint.description} not sent: this process has used its pace ` +
        `(a burst of ${pacer.burst}, then one every ${Math.round(pacer.intervalMs / 1000)} s, ` +
        `from ${this.options.hub ? 'hub.requestsPerDay' : 'dailyTokenBudget'}); ` +
        `the next may go in ${Math.ceil(slot.waitMs / 1000)} s`,
      slot.waitMs,
    );
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
    return new FandengTransportError(
      `Token request to ${this.endpoint.description} failed: ${reason}`,
      {
        cause,
      },
    );
  }

  private typed(error: unknown): FandengAuthError {
    if (error instanceof FandengAuthError) return this.redactError(error);
    return this.transportError(error, false);
  }

  /**
   * Defence in depth: a source that echoes the request would put the secret in a message, in
   * the OAuth2 `error` field or in its description, raw or URL-encoded.
   */
  private redactError(error: FandengAuthError): FandengAuthError {
    const forms = this.secrets.flatMap(secretForms);
    for (const field of ['message', 'error', 'errorDescription'] as const) {
      const text = error[field];
      if (text !== undefined && forms.some((form) => text.includes(form))) {
        Object.defineProperty(error, field, { value: this.redact(text) });
      }
    }
    return error;
  }

  private redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}

function header(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
