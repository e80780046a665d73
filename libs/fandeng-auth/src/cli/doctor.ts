import { DEFAULT_REQUEST_TIMEOUT_MS } from '../fandeng-auth.constants.js';
import { FandengAuthError } from '../errors/fandeng-auth.error.js';
import type { AccessToken } from '../interfaces/access-token.interface.js';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { HubTokenEndpoint } from '../sources/hub-token.endpoint.js';
import { fingerprint } from '../token/fingerprint.js';
import { PlatformTokenEndpoint } from '../sources/platform-token.endpoint.js';
import type { FetchedToken, TokenEndpoint } from '../sources/token-endpoint.interface.js';
import { TokenClient } from '../token/token-client.js';
import type { RawTokenResponse } from '../sources/token-response.js';
import { DOCTOR_ENV_VARS, readDoctorEnv, type DoctorEnv } from './doctor-env.js';
import {
  causeCode,
  diagnoseFailure,
  DOCTOR_EXIT_CODES,
  type DoctorOutcome,
  type ObservedAnswer,
} from './doctor-outcomes.js';
import { formatReport, redact, type DoctorReport } from './doctor-report.js';

export type { DoctorReport } from './doctor-report.js';

export interface DoctorRunOptions {
  /** Whole-request deadline of the token call. @default DEFAULT_REQUEST_TIMEOUT_MS */
  timeoutMs?: number;
  /** Print the report as one JSON object instead of text. @default false */
  json?: boolean;
  /** Notes from the caller, e.g. that a `.env` file was loaded. */
  notes?: string[];
  /** Problems found before the run, e.g. an unreadable `.env` file. */
  problems?: string[];
}

/** Where the report goes (stdout in the command). */
export interface DoctorOutput {
  write(text: string): void;
}

/**
 * Checks a deployment's settings with one token request and writes what happened and what to
 * do next. Resolves with the exit code (see {@link DOCTOR_EXIT_CODES}); never throws.
 */
export async function runDoctor(
  env: DoctorEnv,
  output: DoctorOutput,
  options: DoctorRunOptions = {},
): Promise<number> {
  const report = await diagnose(env, options);
  // Defence in depth: no message the report quotes may carry the secret (or the hub key),
  // whatever sent it.
  const secrets = [env[DOCTOR_ENV_VARS.clientSecret], env[DOCTOR_ENV_VARS.hubApiKey]]
    .filter((secret): secret is string => Boolean(secret))
    .flatMap((secret) => [secret, secret.trim()]);
  output.write(redact(formatReport(report, options.json ?? false), secrets));
  return report.exitCode;
}

/** Runs the check and returns the report without printing it. Never throws. */
export async function diagnose(
  env: DoctorEnv,
  options: DoctorRunOptions = {},
): Promise<DoctorReport> {
  try {
    return await check(env, options);
  } catch (error) {
    const { outcome, summary, advice } = diagnoseFailure(error, { tokenUrl: '', timeoutMs: 0 });
    return { ...result(outcome), summary, advice, notes: [], error: describeError(error) };
  }
}

async function check(env: DoctorEnv, options: DoctorRunOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const settings = readDoctorEnv(env, timeoutMs);
  const problems = [...(options.problems ?? []), ...(settings.ok ? [] : settings.problems)];
  const notes = [...(options.notes ?? []), ...settings.notes];
  if (!settings.ok || problems.length > 0) {
    return {
      ...result('invalid-environment'),
      summary: 'The environment is incomplete or invalid; no request was sent.',
      advice: [
        'Set the variables named above (in the environment, or in a .env file in the current ' +
          'directory); see .env.example.',
      ],
      problems,
      notes,
    };
  }
  return callSource(settings.options, notes);
}

/** One token request to the platform, or, for a hub consumer, to the hub. */
async function callSource(
  options: ResolvedFandengAuthOptions,
  notes: string[],
): Promise<DoctorReport> {
  const { hub } = options;
  const source = hub ? new HubTokenEndpoint(hub) : new PlatformTokenEndpoint(options);
  const endpoint = new ObservedEndpoint(source);
  const client = new TokenClient(endpoint, options, new AbortController().signal);
  const tokenUrl = source instanceof HubTokenEndpoint ? source.location : source.description;
  const target = { tokenUrl, clientId: options.clientId, notes };
  const started = performance.now();
  try {
    const { token } = await client.fetch(1);
    const roundTripMs = Math.round(performance.now() - started);
    return {
      ...result('ok'),
      ...target,
      summary: hub ? 'OK: the token hub handed out a token.' : 'OK: the platform issued a token.',
      advice: hub ? HUB_SUCCESS_ADVICE : SUCCESS_ADVICE,
      roundTripMs,
      httpStatus: endpoint.answer?.status,
      token: describeToken(token),
    };
  } catch (error) {
    const roundTripMs = Math.round(performance.now() - started);
    const diagnosis = diagnoseFailure(error, {
      tokenUrl,
      timeoutMs: options.requestTimeoutMs,
      answer: endpoint.answer,
      source: hub ? 'hub' : 'platform',
    });
    return {
      ...result(diagnosis.outcome),
      ...target,
      summary: diagnosis.summary,
      advice: diagnosis.advice,
      roundTripMs,
      httpStatus: endpoint.answer?.status,
      error: describeError(error),
    };
  }
}

function result(outcome: DoctorOutcome): Pick<DoctorReport, 'ok' | 'outcome' | 'exitCode'> {
  return { ok: outcome === 'ok', outcome, exitCode: DOCTOR_EXIT_CODES[outcome] };
}

function describeToken(token: AccessToken): DoctorReport['token'] {
  const platform = token.platformExpiration?.getTime();
  return {
    fingerprint: fingerprint(token.value),
    tokenType: token.tokenType,
    expiresIn: token.expiresIn,
    scope: token.scope,
    expiresAt: token.expiresAt.toISOString(),
    platformExpiration: token.platformExpiration?.toISOString(),
    clockOffsetMs:
      platform === undefined || Number.isNaN(platform)
        ? undefined
        : platform - token.expiresAt.getTime(),
  };
}

const SUCCESS_ADVICE = [
  'This host can get tokens with these settings: a service started with the same environment ' +
    'will too.',
  'Each run asks for a new token: it counts against the daily limit, and a token issued earlier ' +
    "stays valid about 5 more minutes (the module's services refresh on the next 401).",
];

const HUB_SUCCESS_ADVICE = [
  'This service can get its token from the hub with this key, as the running service will; it ' +
    'needs no platform credentials.',
  'Asking the hub costs no platform request of its own: the hub hands out the token it holds ' +
    '(or fetches one, as it would for any consumer, if it holds none).',
];

function describeError(error: unknown): DoctorReport['error'] {
  if (!(error instanceof FandengAuthError)) {
    return error instanceof Error
      ? { name: error.name, code: 'UNEXPECTED', message: error.message }
      : { name: typeof error, code: 'UNEXPECTED', message: '' };
  }
  return {
    name: error.name,
    code: error.code,
    message: error.message,
    status: error.status,
    error: error.error,
    errorDescription: error.errorDescription,
    cause: causeCode(error),
  };
}

/** The platform endpoint, plus a record of the answer's shape for the diagnosis (no body). */
class ObservedEndpoint implements TokenEndpoint {
  answer: ObservedAnswer | undefined;

  constructor(private readonly inner: TokenEndpoint) {}

  get description(): string {
    return this.inner.description;
  }

  get secrets(): readonly string[] {
    return this.inner.secrets;
  }

  request() {
    return this.inner.request();
  }

  probe() {
    return this.inner.probe();
  }

  interpret(answer: RawTokenResponse, requestedAt: number): FetchedToken {
    this.answer = {
      status: answer.status,
      contentType: answer.contentType,
      bytes: Buffer.byteLength(answer.body),
    };
    return this.inner.interpret(answer, requestedAt);
  }
}
