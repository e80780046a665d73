import { FandengTransportError } from '../errors/fandeng-transport.error.js';
import { interpretTokenResponse } from '../sources/token-response.js';
import { diagnoseFailure, DOCTOR_EXIT_CODES, type FailureContext } from './doctor-outcomes.js';

const CONTEXT: FailureContext = {
  tokenUrl: 'https://platform.example/oauth/token',
  timeoutMs: 500,
};

/** The typed error the module makes of this answer. */
function errorFor(status: number, body: string, extra: Record<string, string> = {}): unknown {
  try {
    interpretTokenResponse({ status, body, ...extra }, Date.now());
  } catch (error) {
    return error;
  }
  throw new Error('expected the answer to be refused');
}

/** A network failure as TokenClient reports it: the system code on a redacted cause. */
function networkError(code: string): FandengTransportError {
  return new FandengTransportError('failed', { cause: Object.assign(new Error('x'), { code }) });
}

describe('diagnoseFailure', () => {
  it.each([
    ['CERT_HAS_EXPIRED', 'tls-failure', 'certificate was not accepted'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls-failure', 'NODE_EXTRA_CA_CERTS'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls-failure', 'host name'],
    ['EPROTO', 'tls-failure', 'did not speak TLS'],
    ['EAI_AGAIN', 'dns-failure', 'temporary failure'],
    ['ENOTFOUND', 'dns-failure', 'spelling'],
    ['ETIMEDOUT', 'timeout', '--timeout 30000'],
    ['ECONNRESET', 'connection-failure', 'whitelist'],
    ['EHOSTUNREACH', 'connection-failure', 'route'],
  ])('tells %s apart as %s', (code, outcome, advice) => {
    const diagnosis = diagnoseFailure(networkError(code), CONTEXT);
    expect(diagnosis.outcome).toBe(outcome);
    expect(diagnosis.advice.join(' ')).toContain(advice);
  });

  it('names the timeout that was given', () => {
    expect(diagnoseFailure(networkError('ETIMEDOUT'), CONTEXT).summary).toContain('within 500 ms');
  });

  it.each([
    [
      401,
      '{"error":"invalid_client","error_description":"Bad client credentials"}',
      'invalid-credentials',
    ],
    [403, 'Forbidden', 'access-denied'],
    [403, '{"error":"access_denied","error_description":"no"}', 'access-denied'],
    [301, '', 'platform-error'],
    [404, '<html>Not Found</html>', 'platform-error'],
    [400, '{"error":"unauthorized_client"}', 'platform-error'],
    [429, '{"error":"quota_exceeded"}', 'platform-unavailable'],
    [503, 'busy', 'platform-unavailable'],
    [200, '', 'malformed-answer'],
  ])('maps HTTP %d %s to %s', (status, body, outcome) => {
    expect(diagnoseFailure(errorFor(status, body), CONTEXT).outcome).toBe(outcome);
  });

  it('explains redirects and wrong paths in words', () => {
    expect(diagnoseFailure(errorFor(302, ''), CONTEXT).summary).toContain('redirects');
    expect(diagnoseFailure(errorFor(404, ''), CONTEXT).advice.join(' ')).toContain(
      'without /oauth/token',
    );
  });

  it('tells an HTML page from a JSON answer without a token', () => {
    const html = diagnoseFailure(errorFor(200, '<html/>', { contentType: 'text/html' }), {
      ...CONTEXT,
      answer: { status: 200, contentType: 'text/html; charset=utf-8', bytes: 7 },
    });
    const json = diagnoseFailure(errorFor(200, '{"value":""}'), {
      ...CONTEXT,
      answer: { status: 200, contentType: 'application/json', bytes: 12 },
    });
    expect(html.summary).toContain('an HTML page');
    expect(json.summary).toContain('an unusable answer');
    expect(json.advice.join(' ')).toContain('no `value`');
  });

  it('reports the wait a 429 asked for', () => {
    const error = errorFor(429, '{"error":"quota_exceeded"}', { retryAfter: '120' });
    expect(diagnoseFailure(error, CONTEXT).summary).toContain('Retry-After: 120 s');
  });

  it('has a distinct exit code per outcome, 0 only for success', () => {
    const codes = Object.values(DOCTOR_EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(diagnoseFailure(new TypeError('boom'), CONTEXT).outcome).toBe('unexpected');
  });
});
