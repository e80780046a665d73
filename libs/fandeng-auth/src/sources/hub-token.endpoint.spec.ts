import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import { HUB_RETURN_MS, HubTokenEndpoint } from './hub-token.endpoint.js';

const A = 'http://hub-a.internal:3000/token-hub';
const B = 'http://hub-b.internal:3000/token-hub/';

describe('HubTokenEndpoint with hub replicas', () => {
  let now: number;
  const endpoint = (urls: string[]) =>
    new HubTokenEndpoint({ urls, apiKey: 'k'.repeat(24) }, () => now);
  beforeEach(() => {
    now = 1_000;
  });

  it('asks the first hub, the next after a connection error or a 5xx, and the first again later', () => {
    const hubs = endpoint([A, B]);
    expect(hubs.request().url).toBe(`${A}/token`);

    expect(hubs.failed(new FandengTransportError('refused'))).toBe(
      'the token hub at http://hub-b.internal:3000/token-hub',
    );
    expect(hubs.request().url).toBe('http://hub-b.internal:3000/token-hub/token');
    now += HUB_RETURN_MS - 1;
    expect(hubs.request().url).toBe('http://hub-b.internal:3000/token-hub/token');
    now += 1;
    expect(hubs.request().url).toBe(`${A}/token`);

    expect(hubs.failed(new FandengTransportError('no token', { status: 503 }))).toBeDefined();
    expect(hubs.failed(new FandengTransportError('down', { status: 502 }))).toBe(
      `the token hub at ${A}`, // round the list
    );
  });

  it('stays where it is for a refused key, a 4xx, or a single hub', () => {
    const hubs = endpoint([A, B]);
    expect(hubs.failed(new FandengCredentialsError('refused', { status: 401 }))).toBeUndefined();
    expect(hubs.failed(new FandengTransportError('busy', { status: 429 }))).toBeUndefined();
    expect(hubs.request().url).toBe(`${A}/token`);

    const single = endpoint([A]);
    expect(single.failed(new FandengTransportError('refused'))).toBeUndefined();
    expect(single.request().url).toBe(`${A}/token`);
  });
});
