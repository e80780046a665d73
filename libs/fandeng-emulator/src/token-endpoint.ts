import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './emulator-context.js';
import { applyFault, type FaultOutcome } from './fault-responder.js';
import { sendJson, sendRaw } from './http-response.js';
import { isAllowed } from './ip-address.js';
import { tokenResponseBody } from './token-response.js';

export const TOKEN_PATH = '/oauth/token';

/** RFC 6749 5.1: token answers must not be cached by anything in between. */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** `issued` is a 200 with a new token; a bare 200 is a fault's answer. */
export type TokenOutcome = FaultOutcome | 'issued';

/** Serves `POST /oauth/token` as the platform documents it, and counts the outcome. */
export async function handleTokenRequest(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<TokenOutcome> {
  const { counters } = ctx;
  counters.tokenRequests += 1;
  const clientId = url.searchParams.get('client_id');
  if (clientId !== null) {
    counters.tokenRequestsByClient[clientId] = (counters.tokenRequestsByClient[clientId] ?? 0) + 1;
  }
  // The parameters travel in the query; draining any body keeps a keep-alive socket reusable.
  req.resume();
  const outcome = await answer(ctx, req, res, url);
  if (outcome === 'issued') counters.tokensIssued += 1;
  else if (outcome === 'dropped' || (typeof outcome === 'number' && outcome !== 200)) {
    counters.tokenErrors += 1;
  }
  return outcome;
}

async function answer(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<TokenOutcome> {
  const fault = ctx.tokenFaults.take();
  if (fault) {
    const outcome = await applyFault(fault, res, ctx.timers);
    if (outcome !== 'continue') return outcome;
  }
  if (!(await ctx.timers.sleep(ctx.options.tokenLatencyMs))) return 'stopped';
  const options = ctx.options;

  // The whitelist is enforced in front of the application, so the answer is a gateway's, not JSON.
  if (!isAllowed(req.socket.remoteAddress, options.ipAllowlist)) {
    sendRaw(res, 403, 'Forbidden', { 'Content-Type': 'text/plain;charset=UTF-8' });
    return 403;
  }
  if (req.method !== 'POST') {
    return error(res, 405, 'method_not_allowed', `Request method '${req.method}' not supported`, {
      Allow: 'POST',
    });
  }
  const params = url.searchParams;
  const grantType = params.get('grant_type');
  const id = params.get('client_id');
  const secret = params.get('client_secret');
  if (!grantType) return error(res, 400, 'invalid_request', 'Missing grant type');
  if (!id) return error(res, 400, 'invalid_request', 'Missing client_id');
  if (!secret) return error(res, 400, 'invalid_request', 'Missing client_secret');
  if (grantType !== 'client_credentials') {
    return error(res, 400, 'unsupported_grant_type', 'Unsupported grant type');
  }
  const expected = Object.hasOwn(options.clients, id) ? options.clients[id] : undefined;
  if (expected === undefined || !sameSecret(secret, expected)) {
    return error(res, 401, 'invalid_client', 'Bad client credentials');
  }
  const now = Date.now();
  if (!ctx.quota.tryConsume(id, options.dailyQuota, now)) {
    return error(res, 429, 'quota_exceeded', 'Daily token request limit reached for this client');
  }

  const expiresAt = now + options.tokenLifetimeSeconds * 1000;
  const jti = randomUUID();
  const value = ctx.signer.sign(
    { scope: ['ALL'], exp: Math.floor(expiresAt / 1000), jti, client_id: id },
    options.minTokenLength,
  );
  // Recorded even if the caller has hung up meanwhile: the real platform would have issued it
  // too, and it supersedes the caller's earlier token all the same.
  ctx.ledger.issue(value, id, expiresAt, options.overlapSeconds * 1000, now);
  const lifetime = options.tokenLifetimeSeconds;
  const expiresIn = options.fractionalExpiresIn ? lifetime : Math.floor(lifetime);
  const token = { value, jti, expiresAt, expiresIn };
  sendJson(
    res,
    200,
    tokenResponseBody(token, options.responseFormat, options.omitExpiration),
    NO_STORE,
  );
  return 'issued';
}

function error(
  res: ServerResponse,
  status: number,
  code: string,
  description: string,
  headers: Record<string, string> = {},
): number {
  sendJson(
    res,
    status,
    { error: code, error_description: description },
    { ...NO_STORE, ...headers },
  );
  return status;
}

/** Compares digests, so neither the content nor the length of a secret leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
