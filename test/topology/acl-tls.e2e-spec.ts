import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FandengPlatformEmulator } from 'fandeng-emulator';
import type { Redis } from 'ioredis';
import { RedisTokenStore } from 'nestjs-fandeng-auth';
import { RedisServers, until, type RedisProcess } from '../support/redis-servers.js';
import { CLIENT_SECRET, startEmulator, type TokenHarness } from '../support/token-harness.js';
import { bootFleet, describeWithRedisServer } from './fleet-load.js';

/** The `ACL SETUSER` line of the README, as a user would paste it. */
function readmeAclLine(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const line = readme.split('\n').find((candidate) => candidate.startsWith('ACL SETUSER '));
  if (line === undefined) throw new Error('the README has no ACL SETUSER line');
  return line.split(' ');
}

/** A test CA and a certificate for 127.0.0.1 that it signed, made with openssl in `dir`. */
function makeCertificates(dir: string): { ca: Buffer; cert: string; key: string; caFile: string } {
  const file = (name: string) => join(dir, name);
  // Arguments as one line each (no path here has a space).
  const openssl = (line: string) => execFileSync('openssl', line.split(' '), { stdio: 'ignore' });
  openssl(
    `req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=fandeng-test-CA -keyout ${file('ca.key')} -out ${file('ca.crt')}`,
  );
  openssl(
    `req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout ${file('server.key')} -out ${file('server.csr')}`,
  );
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    `x509 -req -in ${file('server.csr')} -days 1 -CA ${file('ca.crt')} -CAkey ${file('ca.key')} -CAcreateserial -extfile ${file('san.ext')} -out ${file('server.crt')}`,
  );
  return {
    ca: readFileSync(file('ca.crt')),
    cert: file('server.crt'),
    key: file('server.key'),
    caFile: file('ca.crt'),
  };
}

describeWithRedisServer('Redis with an ACL user and with TLS (issue 17)', () => {
  let servers: RedisServers;
  let emulator: FandengPlatformEmulator;
  let fleet: TokenHarness[] = [];

  beforeAll(() => {
    servers = new RedisServers();
  });
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(async () => {
    for (const { module } of fleet) await module.close();
    fleet = [];
    await emulator.stop();
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    await servers.stop();
  });

  /** Three instances share one token, spread a refresh, and replace a rejected one, on `url`. */
  async function provesTheFleet(url: string, redisOptions: object = {}): Promise<void> {
    fleet = await bootFleet(emulator, 3, () => new RedisTokenStore({ url, redisOptions }));
    const [first, ...others] = await Promise.all(
      fleet.map(({ tokens }) => tokens.getAccessToken()),
    );
    expect(others).toEqual([first, first]);

    const refreshed = await fleet[0].tokens.refresh(); // the lock, SET, PUBLISH
    await Promise.all(
      fleet.map(async ({ tokens }) => {
        for (let i = 0; i < 100 && (await tokens.getAccessToken()) !== refreshed.value; i++)
          await new Promise((resolve) => setTimeout(resolve, 10));
      }),
    );
    await fleet[1].tokens.invalidate(refreshed.value); // compare-and-delete
    const replaced = await fleet[1].tokens.getAccessToken();

    expect(replaced).not.toBe(refreshed.value);
    expect(emulator.isValid(replaced)).toBe(true);
    expect(emulator.counters.tokenRequests).toBe(3);
    // Each adopts the last token and reads the fleet's count (INCR and GET of the counter).
    await until(
      async () => fleet.every(({ tokens }) => tokens.getMetrics().tokenRequests.fleetToday === 3),
      "every instance to read the fleet's count of 3",
      3000,
    );
    for (const { tokens, logger } of fleet) {
      expect(tokens.getStatus().store).toEqual({ shared: true, healthy: true });
      expect(logger.lines.join('\n')).not.toMatch(/NOPERM|Token store/);
    }
  }

  it("works as an ACL user limited to the store's keys, with the README's exact ACL line", async () => {
    const server = await servers.server();
    const password = randomBytes(12).toString('hex');
    const admin: Redis = server.client();
    const [, ...rules] = readmeAclLine().map((word) => word.replace('PASSWORD', password));
    await admin.call('ACL', ...rules);
    const warn = jest.spyOn(console, 'warn');

    await provesTheFleet(`redis://fandeng:${password}@127.0.0.1:${server.port}`);

    expect(warn).not.toHaveBeenCalled(); // ioredis's ready check was allowed
    const user = server.client({ username: 'fandeng', password });
    await expect(user.get('someone-else:secret')).rejects.toThrow(/NOPERM/);
    await expect(user.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
    expect(JSON.stringify(await admin.mget(await admin.keys('*')))).not.toContain(CLIENT_SECRET);
    user.disconnect();
    admin.disconnect();
  });

  it('works over TLS (rediss://) with a private CA, and refuses a server it cannot verify', async () => {
    const tls = makeCertificates(servers.dir);
    const server: RedisProcess = await servers.server(
      (port) =>
        `--port 0 --tls-port ${port} --tls-cert-file ${tls.cert} --tls-key-file ${tls.key} --tls-ca-cert-file ${tls.caFile} --tls-auth-clients no`.split(
          ' ',
        ),
      { tls: { ca: tls.ca } },
    );
    const url = `rediss://127.0.0.1:${server.port}`;

    await provesTheFleet(url, { tls: { ca: tls.ca } });

    const unverified = new RedisTokenStore({ url, operationTimeoutMs: 500 });
    await expect(unverified.get('token:x')).rejects.toThrow();
    await unverified.close();
  });
});
