import { jest } from '@jest/globals';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { FandengPlatformEmulator } from './emulator.js';
import { EmulatorConfigError } from './emulator-config.error.js';

/** A GET over a keep-alive agent; resolves the status and the socket it used. */
function getKeepAlive(url: string, agent: Agent): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: req.socket! }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('emulator lifecycle', () => {
  const emulators: FandengPlatformEmulator[] = [];
  const create = (...args: ConstructorParameters<typeof FandengPlatformEmulator>) => {
    const emulator = new FandengPlatformEmulator(...args);
    emulators.push(emulator);
    return emulator;
  };

  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()));
  });

  it('throws on url before start, then resolves the loopback URL', async () => {
    const emulator = create();

    expect(() => emulator.url).toThrow(/not started/);
    const url = await emulator.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.url).toBe(url);
    expect(await emulator.start()).toBe(url);
  });

  it('stops idempotently and can start again', async () => {
    const emulator = create();
    await emulator.stop();
    await emulator.start();
    await Promise.all([emulator.stop(), emulator.stop()]);
    await emulator.stop();

    expect(() => emulator.url).toThrow(/not started/);
    const again = await emulator.start();
    expect((await fetch(`${again}/nowhere`)).status).toBe(404);
  });

  it('closes idle and busy sockets on stop, without waiting for them', async () => {
    const emulator = create();
    const url = await emulator.start();
    const agent = new Agent({ keepAlive: true });
    const idle = await getKeepAlive(`${url}/nowhere`, agent);
    expect(idle.status).toBe(404);
    expect(idle.socket.destroyed).toBe(false);
    // A request stuck in a delay keeps its socket busy: server.close() alone would wait for it.
    emulator.injectApiFault({ type: 'delay', ms: 60_000 });
    // Caught at once: the rejection arrives during stop(), before the assertion awaits it.
    const busy = getKeepAlive(`${url}/api/books`, new Agent({ keepAlive: true })).catch(
      (error: unknown) => error,
    );
    while (emulator.counters.apiRequests === 0) await new Promise((r) => setImmediate(r));
    const idleClosed = new Promise<void>((resolve) => idle.socket.once('close', () => resolve()));

    let timer: NodeJS.Timeout | undefined;
    const tooSlow = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('stop() took over 1 s'), 1000);
    });
    const outcome = await Promise.race([emulator.stop().then(() => 'stopped'), tooSlow]);
    clearTimeout(timer);

    expect(outcome).toBe('stopped');
    await idleClosed;
    expect(idle.socket.destroyed).toBe(true);
    expect(await busy).toMatchObject({ code: 'ECONNRESET' });
    agent.destroy();
  });

  it('cancels pending waits on stop, leaving no timer behind', async () => {
    // Only the timer functions are faked, so the count covers the emulator's own timers; HTTP
    // and fetch use Node's internal timers and keep working.
    jest.useFakeTimers({
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance', 'Date', 'hrtime'],
    });
    try {
      const emulator = create({ tokenLatencyMs: 60_000 });
      const url = await emulator.start();
      emulator.injectFault({ type: 'delay', ms: 60_000 });
      const pending = fetch(`${url}/oauth/token`, { method: 'POST' }).catch((e: Error) => e);
      while (jest.getTimerCount() === 0) await new Promise((r) => setImmediate(r));
      expect(jest.getTimerCount()).toBe(1);

      await emulator.stop();

      expect(jest.getTimerCount()).toBe(0);
      // fetch's TypeError comes from another realm than jest's, so match its name and message.
      expect(await pending).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects start() when the port is taken, and applies a configured port later', async () => {
    const first = create();
    const taken = Number(new URL(await first.start()).port);
    const second = create({ port: taken });

    await expect(second.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    second.configure({ port: 0 });
    expect(await second.start()).not.toBe(first.url);
  });

  it('validates options, listing every problem, and keeps them on a bad configure()', async () => {
    const attempt = (): FandengPlatformEmulator =>
      create({ tokenLifetimeSeconds: 0, overlapSeconds: -1, dailyQuota: 1.5, port: 70000 });
    expect(attempt).toThrow(EmulatorConfigError);
    expect(attempt).toThrow(/tokenLifetimeSeconds.*overlapSeconds.*dailyQuota.*port/);

    const emulator = create({ tokenLifetimeSeconds: 60 });
    const url = await emulator.start();
    expect(() => emulator.configure({ tokenLifetimeSeconds: -5 })).toThrow(EmulatorConfigError);
    const res = await fetch(
      `${url}/oauth/token?grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret`,
      { method: 'POST' },
    );
    expect(((await res.json()) as { expiresIn: number }).expiresIn).toBe(60);
  });

  it('copies the clients it is given, so later edits by the caller do not leak in', async () => {
    const clients: Record<string, string> = { a: 'sa' };
    const emulator = create({ clients });
    const url = await emulator.start();
    clients.a = 'changed';

    const res = await fetch(
      `${url}/oauth/token?grant_type=client_credentials&client_id=a&client_secret=sa`,
      { method: 'POST' },
    );
    expect(res.status).toBe(200);
  });
});
