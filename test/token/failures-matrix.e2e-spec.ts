import { randomUUID } from 'node:crypto';
import type { EmulatorFault, FandengPlatformEmulator } from 'fandeng-emulator';
import {
  FandengCredentialsError,
  FandengMalformedResponseError,
  FandengPlatformError,
  FandengTransportError,
  type FandengAuthError,
  type FandengAuthErrorCode,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { MAX_EXPIRES_IN_SECONDS } from '../../libs/fandeng-auth/src/fandeng-auth.constants.js';
import { ClockSkew, errorSurfaces, leaksIn } from '../support/hardening.js';
import { RecordingServer } from '../support/recording-server.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  bootTokens,
  rejectionOf,
  startEmulator,
  type TokenHarness,
} from '../support/token-harness.js';

/**
 * The fault matrix of the token endpoint: one row per way the platform (or the way to it)
 * can fail, each with its documented outcome. Every row checks the error's class, code and
 * retryability, the exact number of token requests, that nothing was cached (status during the
 * failure, a valid token once the fault is gone) and that no secret or token leaks anywhere.
 * failures.e2e-spec.ts has the behaviour over time: retries, Retry-After, cooldowns, outages.
 */

/**
 * Retries inside a refresh are 10-20 ms apart (capped by maxDelayMs); the cooldown after a
 * failed refresh is 4-8 s (backoff from initialDelayMs) or 60 s, so the scheduled retry never
 * fires during a row and request counts are exact. Rows step past the cooldown with ClockSkew.
 */
const RETRY = { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 20, maxCooldownMs: 60_000 };
const TIMEOUT_MS = 150;
/** A token-looking string a faulty answer carries: it must not surface either. */
const SENT_VALUE = `eyJhbGciOiJIUzI1NiJ9.hardening-${randomUUID()}`;

type ErrorClass = new (...args: never[]) => FandengAuthError;

interface Ctx {
  emulator: FandengPlatformEmulator;
  recorder?: RecordingServer;
}

interface Row {
  name: string;
  /** Queued for every token request until cleared. */
  fault?: EmulatorFault;
  /** Any other arrangement; may return module options (a baseUrl that fails). */
  arrange?: (
    ctx: Ctx,
  ) => Promise<Partial<FandengAuthModuleOptions> | void> | Partial<FandengAuthModuleOptions> | void;
  /** Undoes `arrange`. Faults are always cleared. */
  clear?: (ctx: Ctx) => Promise<void> | void;
  type: ErrorClass;
  code: string;
  retryable: boolean;
  requests: number;
  props?: Record<string, unknown>;
  message?: RegExp;
  /** The request never reaches the emulator (refused connection, DNS). */
  offPlatform?: boolean;
  /** The fault cannot be cleared from the test (a DNS name that never resolves). */
  permanent?: boolean;
  check?: (ctx: Ctx) => void;
}

const json = (body: unknown): string => JSON.stringify(body);
const malformed = (name: string, body: string, contentType?: string): Row => ({
  name,
  fault: { type: 'body', body, contentType },
  type: FandengMalformedResponseError,
  code: 'MALFORMED_RESPONSE',
  retryable: true,
  requests: 3,
  props: { status: 200 },
});
const transport = (name: string, fault: EmulatorFault, extra: Partial<Row> = {}): Row => ({
  name,
  fault,
  type: FandengTransportError,
  code: 'TRANSPORT_ERROR',
  retryable: true,
  requests: 3,
  ...extra,
});

const rows: Row[] = [
  transport(
    '500',
    { type: 'status', status: 500, body: `<pre>client_secret=${CLIENT_SECRET}</pre>` },
    { props: { status: 500 } },
  ),
  transport(
    '502 (a proxy page)',
    { type: 'status', status: 502, body: '<html>Bad Gateway</html>' },
    { props: { status: 502 } },
  ),
  transport(
    '503 + Retry-After: 1 (beyond maxDelayMs: the refresh stops)',
    { type: 'status', status: 503, headers: { 'Retry-After': '1' } },
    { requests: 1, props: { status: 503, retryAfterMs: 1000 } },
  ),
  transport(
    '429 quota_exceeded',
    {
      type: 'body',
      status: 429,
      body: json({ error: 'quota_exceeded', error_description: 'Daily limit' }),
    },
    { props: { status: 429, error: 'quota_exceeded' } },
  ),
  transport(
    'timeout (no answer)',
    { type: 'delay', ms: 10_000 },
    { message: new RegExp(`no answer within ${TIMEOUT_MS} ms`) },
  ),
  transport(
    'slow trickle (whole-request deadline)',
    {
      type: 'trickle',
      body: json({ value: SENT_VALUE, expiresIn: 7199 }),
      chunkDelayMs: 40,
    },
    { message: new RegExp(`no answer within ${TIMEOUT_MS} ms`) },
  ),
  transport('connection reset', { type: 'drop' }, { message: /ECONNRESET/ }),
  transport(
    'oversized 200 body (2 MiB, cut at 1 MiB)',
    {
      type: 'body',
      body: `{"value":"${'x'.repeat(2 * 1024 * 1024)}"}`,
    },
    { message: /ERR_BAD_RESPONSE/ },
  ),
  {
    name: 'connection refused (closed port on 127.0.0.1)',
    arrange: async ({ emulator }) => {
      const url = emulator.url;
      await emulator.stop();
      emulator.configure({ port: Number(new URL(url).port) }); // back on the same port later
      return { baseUrl: url };
    },
    clear: async ({ emulator }) => {
      await emulator.start();
    },
    type: FandengTransportError,
    code: 'TRANSPORT_ERROR',
    retryable: true,
    requests: 3,
    message: /ECONNREFUSED/,
    offPlatform: true,
  },
  {
    name: 'DNS failure (fandeng-hardening.invalid)',
    arrange: () => ({ baseUrl: 'http://fandeng-hardening.invalid' }),
    type: FandengTransportError,
    code: 'TRANSPORT_ERROR',
    retryable: true,
    requests: 3,
    message: /ENOTFOUND|EAI_AGAIN/,
    offPlatform: true,
    permanent: true,
  },
  malformed('HTML 200 (a login page)', '<html><form>login</form></html>', 'text/html'),
  malformed('empty body', ''),
  malformed('truncated JSON', `{"value":"${SENT_VALUE}","expires`),
  malformed('no value', json({ expiresIn: 7199, tokenType: 'bearer' })),
  malformed(
    'value with CR/LF (header injection)',
    json({ value: `${SENT_VALUE}\r\nX-Evil: 1`, expiresIn: 7199 }),
  ),
  malformed('expiresIn 0', json({ value: SENT_VALUE, expiresIn: 0 })),
  malformed('expiresIn negative', json({ value: SENT_VALUE, expiresIn: -7199 })),
  malformed('expiresIn a non-digit string', json({ value: SENT_VALUE, expiresIn: '7199s' })),
  malformed(
    'expiresIn above MAX_EXPIRES_IN_SECONDS',
    json({ value: SENT_VALUE, expiresIn: MAX_EXPIRES_IN_SECONDS + 1 }),
  ),
  malformed('expired: true', json({ value: SENT_VALUE, expiresIn: 7199, expired: true })),
  {
    name: 'invalid_client (credentials rotated on the platform)',
    arrange: ({ emulator }) =>
      emulator.configure({ clients: { [CLIENT_ID]: 'rotated-elsewhere' } }),
    clear: ({ emulator }) => emulator.configure({ clients: { [CLIENT_ID]: CLIENT_SECRET } }),
    type: FandengCredentialsError,
    code: 'INVALID_CLIENT',
    retryable: false,
    requests: 1,
    props: { status: 401, error: 'invalid_client' },
  },
  {
    name: 'invalid_scope (description echoing the secret)',
    fault: {
      type: 'body',
      status: 400,
      body: json({
        error: 'invalid_scope',
        error_description: `scope refused for ${CLIENT_SECRET}`,
      }),
    },
    type: FandengPlatformError,
    code: 'PLATFORM_ERROR',
    retryable: false,
    requests: 1,
    props: { status: 400, error: 'invalid_scope' },
    message: /\[redacted\]/,
  },
  {
    name: 'unauthorized_client',
    fault: { type: 'body', status: 400, body: json({ error: 'unauthorized_client' }) },
    type: FandengPlatformError,
    code: 'PLATFORM_ERROR',
    retryable: false,
    requests: 1,
    props: { status: 400, error: 'unauthorized_client' },
  },
  {
    name: '403 from the IP whitelist',
    arrange: ({ emulator }) => emulator.configure({ ipAllowlist: ['10.1.2.3'] }),
    clear: ({ emulator }) => emulator.configure({ ipAllowlist: undefined }),
    type: FandengCredentialsError,
    code: 'ACCESS_DENIED',
    retryable: false,
    requests: 1,
    props: { status: 403 },
    message: /whitelist/,
  },
  {
    name: '302 to another server (never followed: the query carries the secret)',
    arrange: async (ctx) => {
      ctx.recorder = new RecordingServer();
      const target = await ctx.recorder.start();
      ctx.emulator.injectFault(
        { type: 'status', status: 302, body: '', headers: { Location: `${target}/steal` } },
        Infinity,
      );
    },
    type: FandengPlatformError,
    code: 'PLATFORM_ERROR',
    retryable: false,
    requests: 1,
    props: { status: 302 },
    check: ({ recorder }) => expect(recorder!.received).toHaveLength(0),
  },
];

// Records over the emulator's and the library's own unions: a fault kind or an error code added
// there fails the type check here until this file says whether (and where) it is covered.
const FAULT_KINDS: Record<EmulatorFault['type'], true> = {
  status: true,
  delay: true,
  drop: true,
  trickle: true,
  body: true,
};
/** Whether a token request can end in each error code (the rest come from options, pace, shutdown). */
const TOKEN_REQUEST_ENDS_IN: Record<FandengAuthErrorCode, boolean> = {
  INVALID_CLIENT: true,
  ACCESS_DENIED: true,
  PLATFORM_ERROR: true,
  MALFORMED_RESPONSE: true,
  TRANSPORT_ERROR: true,
  INVALID_OPTIONS: false,
  TOKEN_REQUESTS_PACED: false,
  SHUTDOWN: false,
};

describe('token endpoint faults, one row per fault', () => {
  const clock = new ClockSkew();
  let ctx: Ctx;
  let harness: TokenHarness | undefined;

  beforeAll(() => clock.install());
  afterAll(() => clock.restore());
  beforeEach(async () => {
    ctx = { emulator: await startEmulator() };
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    await ctx.recorder?.stop();
    await ctx.emulator.stop();
    clock.restore();
    clock.install();
  });

  it("exercises every kind of the emulator's faults and every error a token request ends in", () => {
    const faults = new Set(rows.flatMap((row) => (row.fault ? [row.fault.type] : [])));
    const codes = new Set(rows.map((row) => row.code));
    expect([...faults].sort()).toEqual(Object.keys(FAULT_KINDS).sort());
    expect([...codes].sort()).toEqual(
      Object.entries(TOKEN_REQUEST_ENDS_IN)
        .filter(([, ends]) => ends)
        .map(([code]) => code)
        .sort(),
    );
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_, row) => {
    const { emulator } = ctx;
    if (row.fault) emulator.injectFault(row.fault, Infinity);
    const options = (await row.arrange?.(ctx)) ?? {};
    harness = await bootTokens(emulator, {
      retry: RETRY,
      requestTimeoutMs: TIMEOUT_MS,
      ...options,
    });
    const { tokens, logger } = harness;

    // The failure, as documented.
    const error = await rejectionOf(tokens.getAccessToken());
    expect(error).toBeInstanceOf(row.type);
    expect(error).toMatchObject({
      name: row.type.name,
      code: row.code,
      retryable: row.retryable,
      ...row.props,
    });
    if (row.message) expect(error.message).toMatch(row.message);
    for (const key of ['config', 'request', 'response']) expect(error).not.toHaveProperty(key);
    expect(tokens.getStatus().tokenRequests).toBe(row.requests);
    expect(emulator.counters.tokenRequests).toBe(row.offPlatform ? 0 : row.requests);
    row.check?.(ctx);

    // Nothing was cached, and the cooldown answers without asking the platform again.
    const failing = tokens.getStatus();
    expect(failing).toMatchObject({ state: 'none', refreshing: false, consecutiveFailures: 1 });
    expect(failing.fingerprint).toBeUndefined();
    expect(failing.lastError?.code).toBe(row.code);
    expect(failing.cooldownUntil!.getTime()).toBeGreaterThan(Date.now() + 1000);
    expect(await rejectionOf(tokens.getAccessToken())).toBe(error);
    expect(tokens.getStatus().tokenRequests).toBe(row.requests);

    // Past the cooldown, with the fault gone, one request gets a valid token.
    emulator.clearFaults();
    await row.clear?.(ctx);
    clock.advancePast(failing.cooldownUntil);
    const surfaces = [...errorSurfaces(error)];
    let value: string | undefined;
    if (row.permanent) {
      const again = await rejectionOf(tokens.getAccessToken());
      expect(again).toBeInstanceOf(row.type);
      expect(tokens.getStatus()).toMatchObject({ state: 'none', consecutiveFailures: 2 });
      surfaces.push(...errorSurfaces(again));
    } else {
      value = await tokens.getAccessToken();
      expect(emulator.isValid(value)).toBe(true);
      expect(tokens.getStatus()).toMatchObject({ state: 'valid', consecutiveFailures: 0 });
      expect(emulator.counters.tokenRequests).toBe(row.offPlatform ? 1 : row.requests + 1);
    }
    // After a failed refresh, a single attempt per cooldown.
    expect(tokens.getStatus().tokenRequests).toBe(row.requests + 1);

    // Neither the secret nor any token, sent or issued, surfaces anywhere.
    const haystack = [...logger.lines, ...surfaces, JSON.stringify(tokens.getStatus())];
    const issued = [value, emulator.lastIssued(CLIENT_ID)].filter(
      (v): v is string => v !== undefined,
    );
    expect(leaksIn(haystack, [CLIENT_SECRET, SENT_VALUE, ...issued])).toEqual([]);
    expect(logger.lines.some((line) => line.startsWith('ERROR') && line.includes(row.code))).toBe(
      true,
    );
  });
});
