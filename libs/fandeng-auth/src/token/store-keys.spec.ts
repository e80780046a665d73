import fc from 'fast-check';
import type { ResolvedFandengAuthOptions } from '../options/resolve-options.js';
import { resolveOptions } from '../options/resolve-options.js';
import { storeKeys } from './store-keys.js';

const platform = (clientId: string): ResolvedFandengAuthOptions =>
  resolveOptions({ clientId, clientSecret: 'secret', logger: false });

describe('storeKeys', () => {
  it("keeps today's keys for client ids and names without ':' or '%'", () => {
    expect(storeKeys(platform('acme'), '')).toEqual({
      token: 'token:acme',
      count: 'token:acme',
      probe: 'probe:token:acme',
    });
    expect(storeKeys(platform('acme'), 'reports').token).toBe('token:reports:acme');
    expect(storeKeys(platform('acme'), 'reports').count).toBe('token:acme');
  });

  it('gives client "partner:b" and the registration "partner" of client "b" two keys', () => {
    const client = storeKeys(platform('partner:b'), '');
    const named = storeKeys(platform('b'), 'partner');

    expect(client.token).toBe('token:partner%3Ab');
    expect(named.token).toBe('token:partner:b');
    expect(client.count).not.toBe(named.count);
  });

  it('never lets a client id name a hub', () => {
    const hub = resolveOptions({ hub: { url: 'http://127.0.0.1:1/hub', apiKey: 'k'.repeat(32) } });
    const hubKey = storeKeys(hub, '').token;
    const lookalike = storeKeys(platform(hubKey.slice('token:'.length)), '').token;

    expect(hubKey).toMatch(/^token:hub-[0-9a-f]{16}$/);
    expect(lookalike).not.toBe(hubKey);
  });

  it('gives distinct (client id, name) pairs distinct token, count and probe keys', () => {
    // Names as the module accepts them; client ids with no space, as the options accept them.
    const name = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/));
    const clientId = fc.stringMatching(/^[a-z:%h{}u-]{1,10}$/);
    fc.assert(
      fc.property(fc.tuple(clientId, name), fc.tuple(clientId, name), ([c1, n1], [c2, n2]) => {
        fc.pre(c1 !== c2 || n1 !== n2);
        const [a, b] = [storeKeys(platform(c1), n1), storeKeys(platform(c2), n2)];
        const all = [a.token, a.probe, b.token, b.probe];
        expect(new Set(all).size).toBe(4);
        if (c1 !== c2) expect(a.count).not.toBe(b.count);
      }),
      { numRuns: 300 },
    );
  });
});
