import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server on 127.0.0.1 that records the headers it receives; optionally redirects elsewhere. */
export class RecordingServer {
  readonly received: IncomingHttpHeaders[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly redirectTo?: string) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.received.push(request.headers);
      if (this.redirectTo) {
        response.writeHead(302, { Location: `${this.redirectTo}/landing` }).end();
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
