import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_PREFIX, handleApiRequest } from './api-endpoint.js';
import { createCounters, resetCounters, type EmulatorCounters } from './counters.js';
import { DailyQuota } from './daily-quota.js';
import type { EmulatorContext } from './emulator-context.js';
import { EMULATOR_HOST, type EmulatorOptions } from './emulator-options.js';
import { FaultQueue, type EmulatorFault } from './faults.js';
import { sendJson } from './http-response.js';
import { JwtSigner } from './jwt.js';
import { resolveOptions } from './resolve-options.js';
import { TimerRegistry } from './timer-registry.js';
import { handleTokenRequest, TOKEN_PATH } from './token-endpoint.js';
import { TokenLedger } from './token-ledger.js';

/**
 * A local stand-in for the Fandeng open platform: its token endpoint with the documented
 * contract (overlap, daily quota, IP whitelist), a protected sample API, and fault injection.
 */
export class FandengPlatformEmulator {
  private readonly ctx: EmulatorContext;
  private server: Server | undefined;
  private baseUrl: string | undefined;
  private starting: Promise<string> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: EmulatorOptions = {}) {
    this.ctx = {
      options: resolveOptions(options),
      counters: createCounters(),
      ledger: new TokenLedger(),
      quota: new DailyQuota(),
      tokenFaults: new FaultQueue(),
      apiFaults: new FaultQueue(),
      timers: new TimerRegistry(),
      signer: new JwtSigner(),
    };
  }

  /** Listens on 127.0.0.1 and resolves the base URL; a second call resolves the same URL. */
  start(): Promise<string> {
    this.starting ??= this.listen().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /**
   * Closes the server and every open socket, keep-alive ones included (they would otherwise
   * keep a test process alive for seconds), and cancels every pending wait. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.close().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /** The base URL, e.g. `http://127.0.0.1:41234`. Throws before `start()` has resolved. */
  get url(): string {
    if (this.baseUrl === undefined) {
      throw new Error('FandengPlatformEmulator is not started: await start() first');
    }
    return this.baseUrl;
  }

  /** Live counters, updated in place (see {@link EmulatorCounters}). */
  get counters(): EmulatorCounters {
    return this.ctx.counters;
  }

  resetCounters(): void {
    resetCounters(this.ctx.counters);
  }

  /** Forgets every client's usage of today's quota, as if a new UTC day had begun. */
  resetQuota(): void {
    this.ctx.quota.reset();
  }

  /**
   * Changes options at run time; a key given as `undefined` returns to its default. Validated
   * as a whole: on error nothing changes. `port` applies from the next `start()`.
   */
  configure(patch: Partial<EmulatorOptions>): void {
    this.ctx.options = resolveOptions(patch, this.ctx.options);
  }

  /** Queues `fault` for the next `times` token requests (default 1; `Infinity` until cleared). */
  injectFault(fault: EmulatorFault, times = 1): void {
    this.ctx.tokenFaults.push(fault, times);
  }

  /** Queues `fault` for the next `times` protected-API requests (default 1). */
  injectApiFault(fault: EmulatorFault, times = 1): void {
    this.ctx.apiFaults.push(fault, times);
  }

  clearFaults(): void {
    this.ctx.tokenFaults.clear();
    this.ctx.apiFaults.clear();
  }

  /** Makes `token` invalid now: the protected API answers 401 for it. */
  revoke(token: string): void {
    this.ctx.ledger.revoke(token);
  }

  /** Revokes every token issued so far (later ones are valid as usual). */
  revokeAll(): void {
    this.ctx.ledger.revokeAll();
  }

  /** Whether the protected API accepts `token` right now. */
  isValid(token: string): boolean {
    return this.ctx.ledger.check(token, Date.now()).valid;
  }

  /** The last token issued to `clientId`, or to any client when omitted; undefined if none. */
  lastIssued(clientId?: string): string | undefined {
    return this.ctx.ledger.lastIssued(clientId);
  }

  private listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      const server = createServer((req, res) => void this.handle(req, res));
      server.once('error', reject);
      server.listen(this.ctx.options.port, EMULATOR_HOST, () => {
        server.off('error', reject);
        this.ctx.timers.open();
        this.server = server;
        this.baseUrl = `http://${EMULATOR_HOST}:${(server.address() as AddressInfo).port}`;
        resolve(this.baseUrl);
      });
    });
  }

  private async close(): Promise<void> {
    // A start still in flight would otherwise leave a server listening after stop() resolved.
    await this.starting?.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    this.baseUrl = undefined;
    this.starting = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // After the sockets: a handler woken by a cancelled wait then finds nobody to answer.
      this.ctx.timers.close();
      await closed;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', `http://${EMULATOR_HOST}`);
    let outcome: string | number;
    try {
      if (url.pathname === TOKEN_PATH) {
        outcome = await handleTokenRequest(this.ctx, req, res, url);
      } else if (url.pathname.startsWith(API_PREFIX)) {
        outcome = await handleApiRequest(this.ctx, req, res, url);
      } else {
        req.resume();
        sendJson(res, 404, {
          error: 'not_found',
          error_description: `No route for ${req.method} ${url.pathname}`,
        });
        outcome = 404;
      }
    } catch {
      // A failure inside the emulator must reach the test as a 500, not as a hung request.
      sendJson(res, 500, { error: 'server_error', error_description: 'Emulator failure' });
      outcome = 500;
    }
    // Path only: the query carries client_secret, and headers carry tokens.
    const ms = Math.round(performance.now() - started);
    this.ctx.options.logger?.(`${req.method} ${url.pathname} -> ${outcome} (${ms} ms)`);
  }
}
