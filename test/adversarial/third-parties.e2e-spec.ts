import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import { FandengHttpService, installTokenInterceptor } from 'nestjs-fandeng-auth';
import { RecordingServer } from '../support/recording-server.js';
import { bootTokens, startEmulator, type TokenHarness } from '../support/token-harness.js';

/** A server on 127.0.0.1 that answers every request with `status`, recording the headers. */
async function answering(
  status: number,
): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

/** Tokens go only to origins the user authorised, and only those origins' 401s cost a token. */
describe('adversarial: third parties', () => {
  let emulator: FandengPlatformEmulator;
  let harness: TokenHarness | undefined;
  const servers: Server[] = [];

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    await harness?.module.close();
    harness = undefined;
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await emulator.stop();
  });

  it('a 401 from the origin a redirect led to neither invalidates nor replaces the token', async () => {
    const foreign = await answering(401);
    servers.push(foreign.server);
    const redirector = new RecordingServer(foreign.url);
    await redirector.start();
    harness = await bootTokens(emulator, { apiBaseUrl: redirector.url });
    const http = harness.module.get(FandengHttpService);
    const token = await harness.tokens.getAccessToken();

    const failure = await http.axiosRef.get('/api/books').catch((error: unknown) => error);

    expect(axios.isAxiosError(failure) && failure.response?.status).toBe(401);
    expect(redirector.received[0].authorization).toBe(`Bearer ${token}`);
    expect(foreign.seen[0].authorization).toBeUndefined(); // stripped on the redirect
    expect(await harness.tokens.getAccessToken()).toBe(token);
    expect(emulator.counters.tokenRequests).toBe(1); // before the fix: 2
    expect(harness.tokens.getMetrics().invalidated).toBe(0);
    await redirector.stop();
  });

  it('an interceptor registered earlier that retargets the request takes the token nowhere', async () => {
    const allowed = await answering(200);
    const foreign = await answering(200);
    servers.push(allowed.server, foreign.server);
    harness = await bootTokens(emulator);
    const instance = axios.create({ baseURL: allowed.url });
    // The user's own interceptor, registered first: axios runs it after the token interceptor.
    instance.interceptors.request.use((config) => ({ ...config, baseURL: foreign.url }));
    const eject = installTokenInterceptor(instance, harness.tokens, {
      authorizedOrigins: [allowed.url],
    });

    await instance.get('/orders');
    expect(foreign.seen).toHaveLength(1);
    expect(foreign.seen[0].authorization).toBeUndefined(); // before the fix: the token

    // The check is the origin actually sent to: a request that stays on the allowed origin is signed.
    const direct = axios.create({ baseURL: allowed.url });
    installTokenInterceptor(direct, harness.tokens, { authorizedOrigins: [allowed.url] });
    await direct.get('/orders');
    expect(allowed.seen[0].authorization).toBe(`Bearer ${await harness.tokens.getAccessToken()}`);

    // Ejecting gives the instance its own adapter back.
    eject();
    expect(instance.defaults.adapter).toEqual(axios.defaults.adapter);
  });
});
