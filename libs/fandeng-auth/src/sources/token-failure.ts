import type { FandengAuthError } from '../errors/fandeng-auth.error.js';
import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengPacedError } from '../errors/fandeng-paced.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';

// What an answer of a token endpoint (the platform's, or a hub's) means, decided here once: the
// platform source, the hub source, the refresh loop and the recovery probe all ask these.

/**
 * HTTP statuses that say "not now" rather than "no": a timeout (408), too early (425), too many
 * requests (429), a server error (5xx). Retried with backoff; a probe reads them as "not back".
 */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * The kinds of failed token request:
 * - `paced`: never sent; this process's own pacer refused it (the source said nothing);
 * - `transient`: no usable answer for now (network, timeout, a transient status): try again;
 * - `rejected`: the source refused the caller (401/403, `invalid_client`, a wrong hub key);
 * - `malformed`: an answer that is not a usable token (a 200 with HTML, an unexpected status);
 * - `refused`: the source answered with another error of its own (an OAuth2 error, `SHUTDOWN`).
 */
export type TokenFailureKind = 'paced' | 'transient' | 'rejected' | 'malformed' | 'refused';

/** The kind of `error`, a failure of a token request. */
export function classifyTokenFailure(error: FandengAuthError): TokenFailureKind {
  if (error instanceof FandengPacedError) return 'paced';
  if (error instanceof FandengTransportError) return 'transient';
  if (error instanceof FandengCredentialsError) return 'rejected';
  if (error instanceof FandengMalformedResponseError) return 'malformed';
  return 'refused';
}

/** Milliseconds the source (or the pacer) asked to wait before the next request, if it said. */
export function retryAfterOf(error: FandengAuthError): number | undefined {
  return error instanceof FandengTransportError || error instanceof FandengPacedError
    ? error.retryAfterMs
    : undefined;
}

/**
 * Can a probe (a request that costs no quota) see this failure end? Only an outage: no answer or
 * a server error. Not a refusal, not a rate limit (the platform's 429 or our own pace): a probe
 * answered at once would only turn into another refused token request.
 */
export function probeCanSeeEnd(error: FandengAuthError): boolean {
  return classifyTokenFailure(error) === 'transient' && error.status !== 429;
}
