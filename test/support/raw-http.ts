import { connect } from 'node:net';

/**
 * Sends `requests` pipelined on one keep-alive connection (one write) to `port` on 127.0.0.1,
 * and resolves with the status of each answer, in order, once the server closes the connection
 * (the last request should carry `Connection: close`).
 */
export function pipelined(port: number, requests: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      socket.destroy();
      resolve([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])));
    });
    socket.write(requests.join(''));
  });
}

/** `GET path` as raw HTTP/1.1, with `Authorization: Bearer key` when given. */
export function rawGet(path: string, key?: string, extra: Record<string, string> = {}): string {
  const headers = {
    Host: '127.0.0.1',
    ...(key ? { Authorization: `Bearer ${key}` } : {}),
    ...extra,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}
