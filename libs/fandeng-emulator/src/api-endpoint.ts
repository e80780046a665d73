import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './emulator-context.js';
import { applyFault, type FaultOutcome } from './fault-responder.js';
import { readBody, sendJson } from './http-response.js';
import { SAMPLE_BOOKS } from './sample-books.js';

export const API_PREFIX = '/api/';
export const ECHO_PATH = '/api/echo';

const DESCRIPTIONS = {
  missing: 'Full authentication is required to access this resource',
  unknown: 'Invalid access token',
  expired: 'Access token expired',
  superseded: 'Access token superseded by a newer one and past its overlap period',
  revoked: 'Access token revoked',
} as const;

/**
 * Serves the protected sample API: `GET /api/*` lists books, `POST /api/echo` returns the JSON
 * it received (to test replaying a request with its body after a token refresh).
 */
export async function handleApiRequest(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<FaultOutcome> {
  ctx.counters.apiRequests += 1;
  const outcome = await answer(ctx, req, res, url);
  if (outcome === 401) ctx.counters.apiUnauthorized += 1;
  return outcome;
}

async function answer(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<FaultOutcome> {
  const isEcho = req.method === 'POST' && url.pathname === ECHO_PATH;
  // The whole request arrives before any answer, as behind a real gateway; bodies other than
  // the echo's are drained unread, which keeps a keep-alive socket usable.
  let body: string | undefined = '';
  if (isEcho) body = await readBody(req);
  else req.resume();
  const fault = ctx.apiFaults.take();
  if (fault) {
    const outcome = await applyFault(fault, res, ctx.timers);
    if (outcome !== 'continue') return outcome;
  }

  // Authentication comes before routing, as in a resource server: no token, no 404 either.
  const token = bearerToken(req.headers.authorization);
  const check = token === undefined ? undefined : ctx.ledger.check(token, Date.now());
  if (!check?.valid) {
    const description = DESCRIPTIONS[check?.reason ?? 'missing'];
    sendJson(
      res,
      401,
      { error: 'invalid_token', error_description: description },
      { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    );
    return 401;
  }

  if (isEcho) return echo(ctx, res, body);
  if (req.method === 'GET') {
    sendJson(res, 200, { data: SAMPLE_BOOKS, clientId: check.clientId });
    ctx.counters.apiOk += 1;
    return 200;
  }
  sendJson(res, 404, {
    error: 'not_found',
    error_description: `No route for ${req.method} ${url.pathname}`,
  });
  return 404;
}

function echo(ctx: EmulatorContext, res: ServerResponse, text: string | undefined): FaultOutcome {
  if (text === undefined) {
    sendJson(res, 413, { error: 'payload_too_large', error_description: 'Body over 1 MiB' });
    return 413;
  }
  let body: unknown = null;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'Body is not JSON' });
      return 400;
    }
  }
  sendJson(res, 200, body);
  ctx.counters.apiOk += 1;
  return 200;
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive). */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1];
}
