import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// The hub command faces a network: a client that sends half a request and waits, or holds a
// kept-alive connection open, must neither pin a socket for ever nor keep the hub from exiting.

/** A request's headers must arrive within this long. */
export const HUB_HEADERS_TIMEOUT_MS = 10_000;
/** A whole request (headers and body) must arrive within this long. */
export const HUB_REQUEST_TIMEOUT_MS = 15_000;
/** A kept-alive connection with no request is closed after this long. */
export const HUB_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A connection on which nothing at all moves is closed after this long. */
export const HUB_SOCKET_IDLE_TIMEOUT_MS = 30_000;
/**
 * At SIGTERM, requests being answered get this long to finish; then every connection is closed.
 * Connections without a request being answered (idle, or a request still arriving) close at once.
 */
export const HUB_SHUTDOWN_GRACE_MS = 10_000;

/**
 * Bounds `server`'s timeouts and tracks which connections have a request being answered.
 * Returns `drain()`: closes the connections that have none, makes the others close once their
 * answer is sent, and after `graceMs` closes whatever is left. Call it when shutdown starts.
 */
export function boundConnections(server: Server): (graceMs?: number) => void {
  server.headersTimeout = HUB_HEADERS_TIMEOUT_MS;
  server.requestTimeout = HUB_REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = HUB_KEEP_ALIVE_TIMEOUT_MS;
  server.timeout = HUB_SOCKET_IDLE_TIMEOUT_MS;
  const sockets = new Set<Socket>();
  /** Requests being answered per connection (pipelining may queue several). */
  const answering = new Map<Socket, number>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    if (draining) return void socket.destroy();
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      answering.delete(socket);
    });
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (answering.get(socket) ?? 1) - 1;
      if (left > 0) return void answering.set(socket, left);
      answering.delete(socket);
      if (draining) socket.destroySoon();
    });
  });
  return (graceMs = HUB_SHUTDOWN_GRACE_MS) => {
    draining = true;
    for (const socket of sockets) if (!answering.has(socket)) socket.destroy();
    setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, graceMs).unref();
  };
}
