import { FandengCredentialsError } from '../errors/fandeng-credentials.error.js';
import { FandengMalformedResponseError } from '../errors/fandeng-malformed-response.error.js';
import { FandengOptionsError } from '../errors/fandeng-options.error.js';
import { FandengPlatformError } from '../errors/fandeng-platform.error.js';
import { FandengTransportError } from '../errors/fandeng-transport.error.js';

/** Exit code per outcome: a script can tell a bad secret from a network fault. */
export const DOCTOR_EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  'invalid-environment': 3,
  'invalid-credentials': 4,
  'access-denied': 5,
  'dns-failure': 6,
  'tls-failure': 7,
  'connection-failure': 8,
  timeout: 9,
  'malformed-answer': 10,
  'platform-error': 11,
  'platform-unavailable': 12,
} as const;

export type DoctorOutcome = keyof typeof DOCTOR_EXIT_CODES;

/** What happened, in a sentence, and what to do about it. */
export interface Diagnosis {
  outcome: DoctorOutcome;
  summary: string;
  advice: string[];
}

/** The HTTP answer, when one came: status and shape, never the body. */
export interface ObservedAnswer {
  status: number;
  contentType?: string;
  bytes: number;
}

export interface FailureContext {
  tokenUrl: string;
  timeoutMs: number;
  answer?: ObservedAnswer;
  /** Who was asked: the platform (default), or a token hub for a hub consumer. */
  source?: 'platform' | 'hub';
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
// OpenSSL and Node name certificate and handshake failures in these words.
const TLS_CODE = /CERT|SSL|TLS|EPROTO|SIGNATURE|ISSUER|HANDSHAKE/;
const ONCE_PER_RUN =
  'Retrying will not help until this is fixed; each run of doctor is one token request.';

/** Maps an error of the token call (the module's typed errors) to an outcome with advice. */
export function diagnoseFailure(error: unknown, context: FailureContext): Diagnosis {
  if (context.source === 'hub') {
    const hub = diagnoseHubFailure(error, context);
    if (hub !== undefined) return hub;
  }
  if (error instanceof FandengCredentialsError) {
    return error.code === 'INVALID_CLIENT'
      ? invalidCredentials(error)
      : accessDenied(error.status ?? context.answer?.status);
  }
  if (error instanceof FandengPlatformError) return platformError(error, context);
  if (error instanceof FandengMalformedResponseError) return malformed(context);
  if (error instanceof FandengTransportError) return transportFailure(error, context);
  if (error instanceof FandengOptionsError) {
    return { outcome: 'invalid-environment', summary: error.message, advice: [] };
  }
  const name = error instanceof Error ? error.name : typeof error;
  return {
    outcome: 'unexpected',
    summary: `Unexpected failure (${name}): this is a bug of the doctor or of the module.`,
    advice: ['Report it with the output of `nestjs-fandeng-auth doctor --json`.'],
  };
}

/** The hub's own answers: a refused key, no token to hand out, no hub at that URL. */
function diagnoseHubFailure(error: unknown, context: FailureContext): Diagnosis | undefined {
  if (error instanceof FandengCredentialsError) {
    return {
      outcome: 'invalid-credentials',
      summary: `The token hub refused the API key (HTTP ${error.status ?? 401}).`,
      advice: [
        'FANDENG_HUB_API_KEY must be one of the keys the hub accepts (its apiKeys, ' +
          'FANDENG_HUB_API_KEYS in the sample app); after a key rotation, give this service the new key.',
      ],
    };
  }
  if (error instanceof FandengTransportError && error.status !== undefined) {
    // The hub says why in its own error code; a bare 502 or 504 comes from something in front.
    return error.error === 'token_unavailable'
      ? {
          outcome: 'platform-unavailable',
          summary: `${error.message}.`,
          advice: [
            'The hub is up but cannot hand out a token: run doctor on the hub host ' +
              '(FANDENG_MODE=hub or direct) to see why it cannot get one from the platform.',
          ],
        }
      : {
          outcome: 'platform-unavailable',
          summary: `HTTP ${error.status} from ${context.tokenUrl}, without the hub's own error code.`,
          advice: [
            'A proxy or load balancer in front of the hub answers like this when the hub is down ' +
              'or unreachable from it: check that the hub runs, then try again.',
          ],
        };
  }
  if (error instanceof FandengMalformedResponseError) {
    return {
      outcome: 'malformed-answer',
      summary: `No token hub answers at ${context.tokenUrl}${
        context.answer ? ` (HTTP ${context.answer.status})` : ''
      }.`,
      advice: [
        "FANDENG_HUB_URL is the hub's address with its path (by default " +
          'http://host:port/fandeng-token-hub), without /token.',
      ],
    };
  }
  return undefined; // network failures: as for the platform, with FANDENG_HUB_URL named
}

function quoted(error: FandengCredentialsError | FandengPlatformError): string {
  const description = error.errorDescription ? `, "${error.errorDescription}"` : '';
  return error.error ? ` (${error.error}${description})` : '';
}

function invalidCredentials(error: FandengCredentialsError): Diagnosis {
  return {
    outcome: 'invalid-credentials',
    summary: `Wrong credentials: the platform rejected the client id or secret${quoted(error)}.`,
    advice: [
      'Check FANDENG_CLIENT_ID (the appId) and FANDENG_CLIENT_SECRET (the appSecret) against the ' +
        'values the platform issued: a missing character, a stray quote, an old secret.',
      'Check that FANDENG_BASE_URL is the platform (test or production) that issued them.',
      ONCE_PER_RUN,
    ],
  };
}

function accessDenied(status: number | undefined): Diagnosis {
  return {
    outcome: 'access-denied',
    summary:
      `Access denied: the token endpoint answered ${status ?? 'a refusal'} before checking the ` +
      'credentials. This server IP is most likely not on the platform whitelist.',
    advice: [
      "Ask the platform to whitelist the public IP address this server's traffic leaves from " +
        '(behind NAT or a proxy, the address of that gateway), for this appId.',
      'Run doctor on the host that will call the platform: a whitelist entry covers one address.',
      ONCE_PER_RUN,
    ],
  };
}

function platformError(error: FandengPlatformError, context: FailureContext): Diagnosis {
  const status = error.status ?? context.answer?.status ?? 0;
  if (error.error === 'access_denied') return accessDenied(status);
  if (status >= 300 && status < 400) {
    return {
      outcome: 'platform-error',
      summary:
        `The token URL redirects (HTTP ${status}). The module does not follow redirects: the ` +
        'secret travels in the query string and would go wherever the redirect points.',
      advice: [
        'Set FANDENG_BASE_URL to the final address (often https:// instead of http://, or ' +
          'another host name); open the URL without parameters in a browser to see where it leads.',
      ],
    };
  }
  if (status === 404 || status === 405) {
    return {
      outcome: 'platform-error',
      summary: `No token endpoint at ${context.tokenUrl} (HTTP ${status}).`,
      advice: [
        'FANDENG_BASE_URL is the host alone (like https://open-platform-test.dushu.io), ' +
          'without /oauth/token; set FANDENG_TOKEN_PATH only if the platform gave another path.',
      ],
    };
  }
  return {
    outcome: 'platform-error',
    summary: `The platform refused the request with HTTP ${status}${quoted(error)}.`,
    advice: [
      'The credentials were not the problem the platform named. Send the platform this error, ' +
        'the time of this run and the appId: the client may not be enabled for client_credentials.',
      ONCE_PER_RUN,
    ],
  };
}

function malformed(context: FailureContext): Diagnosis {
  const type = context.answer?.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const html = type === 'text/html';
  const empty = context.answer?.bytes === 0;
  const what = html ? 'an HTML page' : empty ? 'an empty answer' : 'an unusable answer';
  return {
    outcome: 'malformed-answer',
    summary: `The token endpoint sent ${what} instead of a token.`,
    advice:
      html || empty
        ? [
            'An HTML page or an empty answer comes from a proxy, a load balancer or a captive ' +
              'portal in between, or from a FANDENG_BASE_URL that points at a web site rather ' +
              'than the platform API.',
            'Check FANDENG_BASE_URL and FANDENG_TOKEN_PATH, and any HTTP(S)_PROXY setting.',
          ]
        : [
            'The answer is JSON but not a usable token (no `value`, or a bad `expiresIn`). ' +
              'Check that FANDENG_BASE_URL is the Fandeng platform; if it is, send the platform ' +
              'the time of this run: its answer no longer matches its documentation.',
          ],
  };
}

function transportFailure(error: FandengTransportError, context: FailureContext): Diagnosis {
  const status = error.status;
  if (status !== undefined) return unavailable(error, status);
  const code = causeCode(error) ?? '';
  const { host } = new URL(context.tokenUrl);
  const urlVariable = context.source === 'hub' ? 'FANDENG_HUB_URL' : 'FANDENG_BASE_URL';
  if (code === 'ETIMEDOUT') {
    return {
      outcome: 'timeout',
      summary: `Timeout: no answer from ${host} within ${context.timeoutMs} ms.`,
      advice: [
        'A firewall that drops packets silently looks like this: check that this host may open ' +
          `connections to ${host}.`,
        'If the platform is only slow, try again with a longer wait: --timeout 30000.',
      ],
    };
  }
  if (DNS_CODES.has(code)) {
    return {
      outcome: 'dns-failure',
      summary: `DNS failure: the host name ${new URL(context.tokenUrl).hostname} could not be resolved (${code}).`,
      advice: [
        code === 'EAI_AGAIN'
          ? "A temporary failure of this host's resolver: check its DNS settings " +
            '(/etc/resolv.conf, the container network) and try again.'
          : `Check the spelling of the host in ${urlVariable}, and that this host can resolve ` +
            'public names (a container or private network may not).',
      ],
    };
  }
  if (TLS_CODE.test(code)) return tlsFailure(code, host, urlVariable);
  return connectionFailure(code, host, urlVariable);
}

function unavailable(error: FandengTransportError, status: number): Diagnosis {
  const wait =
    error.retryAfterMs === undefined
      ? ''
      : ` (Retry-After: ${Math.ceil(error.retryAfterMs / 1000)} s)`;
  if (status === 429) {
    return {
      outcome: 'platform-unavailable',
      summary: `Rate limited: the platform answered 429${wait}; the daily token limit may be spent.`,
      advice: [
        'Try again later. Then find what asks for tokens so often: every service should share ' +
          'one token (the Redis store or the token hub), not fetch its own.',
      ],
    };
  }
  return {
    outcome: 'platform-unavailable',
    summary: `The platform is failing: the token endpoint answered ${status}${wait}.`,
    advice: [
      'Try again later. If it lasts, tell the platform the time of this run; a 502 or 504 may ' +
        'also come from a proxy of your own in between.',
    ],
  };
}

function tlsFailure(code: string, host: string, urlVariable: string): Diagnosis {
  const plain = code === 'EPROTO' || code.includes('WRONG_VERSION');
  return {
    outcome: 'tls-failure',
    summary: `TLS failure talking to ${host} (${code}).`,
    advice: plain
      ? [
          `The server did not speak TLS: if it serves plain HTTP, ${urlVariable} should start ` +
            'with http://; otherwise a proxy or firewall interferes with the connection.',
        ]
      : [
          "The server's certificate was not accepted. Check this host's date and time (an expired " +
            `or not-yet-valid certificate), and the host name in ${urlVariable}.`,
          'Behind a TLS-inspecting proxy, give Node its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem; ' +
            'never turn checks off with NODE_TLS_REJECT_UNAUTHORIZED=0.',
        ],
  };
}

function connectionFailure(code: string, host: string, urlVariable: string): Diagnosis {
  if (code === 'ECONNREFUSED') {
    return {
      outcome: 'connection-failure',
      summary: `Connection refused by ${host}: nothing accepts connections on that port.`,
      advice: [
        `Check the scheme and port in ${urlVariable} (https:// is port 443), and that no ` +
          'firewall rejects the connection.',
      ],
    };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return {
      outcome: 'connection-failure',
      summary: `Connection reset: ${host} closed the connection before answering (${code}).`,
      advice: [
        'A firewall, a proxy or a gateway that turns away unknown IP addresses does this: check ' +
          'the whitelist and any proxy, then try again.',
      ],
    };
  }
  return {
    outcome: 'connection-failure',
    summary: `Could not connect to ${host} (${code || 'network error'}).`,
    advice: [
      'Check that this host has a route to the platform (EHOSTUNREACH, ENETUNREACH: no route; ' +
        'a private network may need a proxy or NAT gateway).',
    ],
  };
}

/** The system error code the module kept on its redacted cause (`ENOTFOUND`, `ETIMEDOUT`...). */
export function causeCode(error: Error): string | undefined {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
