import type { ServerResponse } from 'node:http';
import type { EmulatorFault } from './faults.js';
import { JSON_CONTENT_TYPE, sendRaw } from './http-response.js';
import type { TimerRegistry } from './timer-registry.js';

/**
 * What became of a request a fault was applied to: answered with a status, dropped, to be
 * answered normally (`continue`, after a delay), or abandoned because the emulator stopped.
 */
export type FaultOutcome = number | 'dropped' | 'continue' | 'stopped';

/** Plays `fault` on `res`. */
export async function applyFault(
  fault: EmulatorFault,
  res: ServerResponse,
  timers: TimerRegistry,
): Promise<FaultOutcome> {
  switch (fault.type) {
    case 'delay':
      return (await timers.sleep(fault.ms)) ? 'continue' : 'stopped';
    case 'drop':
      res.socket?.destroy();
      return 'dropped';
    case 'status': {
      const body = fault.body ?? defaultFaultBody(fault.status);
      const headers: Record<string, string> = { ...fault.headers };
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = guessType(body);
      sendRaw(res, fault.status, body, headers);
      return fault.status;
    }
    case 'body': {
      const status = fault.status ?? 200;
      sendRaw(res, status, fault.body, { 'Content-Type': fault.contentType ?? JSON_CONTENT_TYPE });
      return status;
    }
    case 'trickle':
      return trickle(fault.body, fault.chunkDelayMs, res, timers);
  }
}

async function trickle(
  body: string,
  chunkDelayMs: number,
  res: ServerResponse,
  timers: TimerRegistry,
): Promise<FaultOutcome> {
  const bytes = Buffer.from(body, 'utf8');
  // Content-Length lets the client tell a slow answer from a truncated one.
  res.writeHead(200, { 'Content-Type': JSON_CONTENT_TYPE, 'Content-Length': String(bytes.length) });
  res.flushHeaders();
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0 && !(await timers.sleep(chunkDelayMs))) return 'stopped';
    // The client gave up (its timeout fired): stop writing to a dead socket.
    if (res.destroyed) return 200;
    res.write(bytes.subarray(i, i + 1));
  }
  res.end();
  return 200;
}

function defaultFaultBody(status: number): string {
  return JSON.stringify({
    error: 'server_error',
    error_description: `Injected fault: HTTP ${status}`,
  });
}

/** So an HTML error page is served as one, the way a gateway would. */
function guessType(body: string): string {
  const start = body.trimStart();
  if (start.startsWith('<')) return 'text/html;charset=UTF-8';
  try {
    JSON.parse(body);
    return JSON_CONTENT_TYPE;
  } catch {
    return 'text/plain;charset=UTF-8';
  }
}

function hasHeader(headers: Record<string, string> | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((key) => key.toLowerCase() === name);
}
