import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengPacedError } from '../errors/fandeng-paced.error.js';
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

  it('moves on any answer that is not a usable token: a 429, a 200 that is not a token, a 4xx', () => {
    const hubs = endpoint([A, B]);
    expect(hubs.failed(new FandengTransportError('busy', { status: 429 }))).toBeDefined();
    expect(hubs.request().url).toBe('http://hub-b.internal:3000/token-hub/token');
    const html = { status: 200, contentType: 'text/html', body: '<html>maintenance</html>' };
    const malformed = rejectionOf(() => hubs.interpret(html, Date.now()));
    expect(malformed).toBeInstanceOf(FandengMalformedResponseError);
    expect(hubs.failed(malformed)).toBe(`the token hub at ${A}`);
    const notFound = rejectionOf(() => hubs.interpret({ status: 404, body: '' }, Date.now()));
    expect(hubs.failed(notFound)).toBeDefined();
  });

  it('moves on a refused key once per replica: when every replica refused it, the error stands', () => {
    const hubs = endpoint([A, B]);
    const refused = new FandengCredentialsError('refused', { status: 401 });
    expect(hubs.failed(refused)).toBe('the token hub at http://hub-b.internal:3000/token-hub');
    expect(hubs.failed(refused)).toBeUndefined(); // B refused it too: it is the key
    expect(hubs.request().url).toBe('http://hub-b.internal:3000/token-hub/token');
  });

  it('stays where it is for a request its own pacer never sent, and with a single hub', () => {
    const hubs = endpoint([A, B]);
    expect(hubs.failed(new FandengPacedError('paced', 1_000))).toBeUndefined();
    expect(hubs.request().url).toBe(`${A}/token`);

    const single = endpoint([A]);
    expect(single.failed(new FandengTransportError('refused'))).toBeUndefined();
    expect(single.request().url).toBe(`${A}/token`);
  });
});

function rejectionOf(run: () => unknown): FandengAuthError {
  try {
    run();
  } catch (error) {
    return error as FandengAuthError;
  }
  throw new Error('expected a failure');
}
