import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengPacedError } from '../errors/fandeng-paced.error.js';
import { FandengPlatformError } from '../errors/fandeng-platform.error.js';
import { FandengShutdownError } from '../errors/fandeng-shutdown.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import { HubTokenEndpoint } from './hub-token.endpoint.js';
import { PlatformTokenEndpoint } from './platform-token.endpoint.js';
import {
  classifyTokenFailure,
  isTransientStatus,
  probeCanSeeEnd,
  retryAfterOf,
} from './token-failure.js';
import { interpretTokenResponse } from './token-response.js';
import { resolveOptions } from '../options/resolve-options.js';

const STATUSES = [200, 400, 401, 403, 404, 408, 418, 425, 429, 500, 502, 503, 504];
const TRANSIENT = [408, 425, 429, 500, 502, 503, 504];

describe('the token-endpoint answer classifier', () => {
  it('calls 408, 425, 429 and 5xx transient, nothing else', () => {
    expect(STATUSES.filter(isTransientStatus)).toEqual(TRANSIENT);
  });

  it('tells a request never sent (paced) from a transport failure', () => {
    const paced = new FandengPacedError('paced', 5_000);
    expect(paced).not.toBeInstanceOf(FandengTransportError);
    expect(paced.retryable).toBe(true);
    expect(classifyTokenFailure(paced)).toBe('paced');
    expect(retryAfterOf(paced)).toBe(5_000);
    expect(probeCanSeeEnd(paced)).toBe(false);
  });

  it.each([
    [new FandengTransportError('down', { status: 503 }), 'transient', true],
    [new FandengTransportError('no answer'), 'transient', true],
    [new FandengTransportError('busy', { status: 429 }), 'transient', false],
    [new FandengCredentialsError('refused', { status: 401 }), 'rejected', false],
    [new FandengMalformedResponseError('html', { status: 200 }), 'malformed', false],
    [new FandengPlatformError('invalid_scope', { status: 400 }), 'refused', false],
    [new FandengShutdownError(), 'refused', false],
  ])('classifies %p as %s (a probe can see it end: %s)', (error, kind, probe) => {
    expect(classifyTokenFailure(error)).toBe(kind);
    expect(probeCanSeeEnd(error)).toBe(probe);
  });

  // The sources and the probe agree with the classifier, status by status: one rule, one place.
  it.each(STATUSES.filter((status) => status !== 200))(
    'the platform source, the hub source and the platform probe agree on HTTP %i',
    (status) => {
      const transient = isTransientStatus(status);
      const answer = { status, body: '' };
      const options = resolveOptions({ clientId: 'app', clientSecret: 'secret-0123456789' });
      const platform = kindOf(() => interpretTokenResponse(answer, Date.now()));
      const hub = kindOf(() =>
        new HubTokenEndpoint({ urls: ['http://hub'], apiKey: 'k'.repeat(24) }).interpret(
          answer,
          Date.now(),
        ),
      );
      expect(platform === 'transient').toBe(transient);
      expect(hub === 'transient').toBe(transient);
      expect(new PlatformTokenEndpoint(options).probe().alive(status)).toBe(!transient);
    },
  );
});

function kindOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return classifyTokenFailure(error as FandengTransportError);
  }
  return 'token';
}
