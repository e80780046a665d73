import { jest } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import {
  FandengAuthModule,
  TokenService,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { FANDENG_TOKEN_ADAPTER } from 'nestjs-fandeng-auth/testing';
import { CaptureLogger } from '../support/capture-logger.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
let issued = 0;

/** What the simulated source answers to one token request. */
export interface Answer {
  status: number;
  body: string;
}

/** A platform answer with a fresh token that lives `expiresIn` seconds (any JSON value). */
export function platformToken(expiresIn: unknown, extra: Record<string, unknown> = {}): Answer {
  issued++;
  return {
    status: 200,
    body: JSON.stringify({ value: `token-${issued}`, tokenType: 'bearer', expiresIn, ...extra }),
  };
}

/** A hub answer with the given times (any JSON values). */
export function hubToken(fields: Record<string, unknown>): Answer {
  issued++;
  return {
    status: 200,
    body: JSON.stringify({
      value: `hub-token-${issued}`,
      tokenType: 'bearer',
      expiresIn: 7200,
      scope: ['ALL'],
      ...fields,
    }),
  };
}

/**
 * The socket under the token requests, replaced: the real module (parsing, schedule, pacer,
 * store link) runs on answers from `answer`, so that jest's fake timers can run whole days in
 * seconds, which no real server on a real clock can. Counts every request that reached it.
 */
export class SimulatedSource {
  /** Every request that reached it: token requests and probes. */
  requests = 0;
  /** Requests that carried credentials (a platform probe carries none). */
  tokenRequests = 0;
  probes = 0;

  constructor(
    public answer: (request: number, config: InternalAxiosRequestConfig) => Answer | Error,
  ) {}

  readonly adapter: AxiosAdapter = (config: InternalAxiosRequestConfig) => {
    this.requests++;
    if ((config.params as { client_id?: string } | undefined)?.client_id) this.tokenRequests++;
    else this.probes++;
    const answer = this.answer(this.requests, config);
    if (answer instanceof Error) return Promise.reject(answer);
    const { status, body } = answer;
    const response: AxiosResponse<string> = {
      status,
      statusText: String(status),
      data: body,
      headers: { 'content-type': 'application/json' },
      config,
    };
    return Promise.resolve(response);
  };
}

export interface SimulatedModule {
  module: TestingModule;
  tokens: TokenService;
  logger: CaptureLogger;
}

/** Math.random as it was before any test pinned it. */
const unpinnedRandom = Math.random;

/** FandengAuthModule on a simulated source. Call after `jest.useFakeTimers()`. */
export async function bootSimulated(
  source: SimulatedSource,
  options: Partial<FandengAuthModuleOptions> = {},
): Promise<SimulatedModule> {
  const logger = new CaptureLogger();
  const credentials = options.hub
    ? {}
    : { clientId: 'simulated-client', clientSecret: 'simulated-secret-3b9f' };
  // Nest draws its providers' ids from Math.random while it compiles: a test that pins
  // Math.random (the same jitter in paired runs) would give every provider the same id, and Nest
  // would then see dependency cycles that are not there. The compile gets the real one.
  const pinned = Math.random;
  Math.random = unpinnedRandom;
  let module: TestingModule;
  try {
    module = await Test.createTestingModule({
      imports: [
        FandengAuthModule.forRoot({
          ...credentials,
          baseUrl: 'http://127.0.0.1:9',
          logger,
          ...options,
        }),
      ],
    })
      .overrideProvider(FANDENG_TOKEN_ADAPTER)
      .useValue(source.adapter)
      .compile();
  } finally {
    Math.random = pinned;
  }
  await module.init();
  return { module, tokens: module.get(TokenService), logger };
}

/**
 * Runs `ms` of simulated time in steps of `stepMs`, calling `each` at every step (a caller that
 * wants the token every minute, say) without waiting for it: a call may wait on a timer that only
 * the simulated clock moves. Timers due in between run in order.
 */
export async function simulate(
  ms: number,
  stepMs: number,
  each: () => unknown = () => undefined,
): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    void Promise.resolve()
      .then(each)
      .catch(() => undefined);
    await jest.advanceTimersByTimeAsync(stepMs);
  }
}
