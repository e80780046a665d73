import { isHostSyntax, parsePort, parseTrustProxy } from './hub-listen-env.js';

describe('the hub command: where it listens, whom it trusts', () => {
  it('reads PORT as plain decimal only', () => {
    expect(parsePort(undefined)).toBe(3000);
    expect(parsePort('')).toBe(3000);
    expect(parsePort('0')).toBe(0);
    expect(parsePort('8090')).toBe(8090);
    expect(parsePort('65535')).toBe(65_535);
    for (const bad of ['0x1F9A', '1e3', ' 80', '80 ', '-1', '70000', '65536', '80.0', '+80', 'x'])
      expect(parsePort(bad)).toBeUndefined();
  });

  it('takes an IP address or a host name for HOST', () => {
    for (const good of ['127.0.0.1', '::1', '0.0.0.0', 'localhost', 'hub.internal', 'a-b.c1'])
      expect(isHostSyntax(good)).toBe(true);
    for (const bad of ['', ' localhost', 'not a host', 'http://x', '-x.y', 'x..y'])
      expect(isHostSyntax(bad)).toBe(false);
  });

  it('reads TRUST_PROXY as off, a hop count or addresses, and refuses true', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('loopback, 10.0.0.0/8,fd00::/8')).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    expect(parseTrustProxy('true')).toMatch(/would believe any client/);
    expect(parseTrustProxy('0')).toMatch(/hop count must be 1 to 10/);
    expect(parseTrustProxy('10.0.0.0/33')).toMatch(/entry 1 must be an IP address/);
    expect(parseTrustProxy('loopback,proxy.internal')).toMatch(/entry 2 must be/);
  });
});
