import type { IncomingMessage, ServerResponse } from 'node:http';

/** The platform's (Spring's) content type; byte-exact, since some clients compare it. */
export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Largest request body read (`POST /api/echo`); the emulator is not a file store. */
const MAX_BODY_BYTES = 1024 * 1024;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendRaw(res, status, JSON.stringify(body), { 'Content-Type': JSON_CONTENT_TYPE, ...headers });
}

export function sendRaw(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  // The client may have gone while we waited (latency, delay fault); nothing to answer then.
  if (res.destroyed || res.headersSent) return;
  const payload = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Length': String(payload.length) });
  res.end(payload);
}

/**
 * Reads the whole request body as UTF-8, or undefined when it exceeds the limit. An oversized
 * body is still drained, not destroyed, so the caller can answer 413 on the same socket.
 */
export function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}
