import { HUB_REJECTED_ROUTE, HUB_TOKEN_ROUTE } from '../sources/hub-protocol.js';

const NO_STORE = {
  'Cache-Control': {
    description: 'Always `no-store`: the answer is a token, or about one.',
    schema: { type: 'string', const: 'no-store' },
  },
};

const TOKEN = {
  type: 'object',
  required: ['value', 'tokenType', 'expiresInSeconds', 'ageSeconds', 'expiresIn', 'scope'],
  properties: {
    value: { type: 'string', minLength: 1, description: 'The access token.' },
    tokenType: { type: 'string', description: 'As the platform says it, usually `bearer`.' },
    expiresInSeconds: {
      type: 'number',
      minimum: 0,
      description: 'Seconds until the token expires, from when the hub answered.',
    },
    ageSeconds: { type: 'number', minimum: 0, description: 'Seconds since the hub obtained it.' },
    renewsInSeconds: {
      type: 'number',
      minimum: 0,
      description:
        'Seconds until the hub plans to replace it: ask again then (not before), for about one request per token.',
    },
    expiresIn: { type: 'number', description: "The token's lifetime as the platform gave it." },
    scope: { type: 'array', items: { type: 'string' } },
    jti: { type: 'string' },
  },
  additionalProperties: false,
};

const HUB_ERROR = {
  type: 'object',
  required: ['error', 'code', 'message'],
  properties: {
    error: { type: 'string', const: 'token_unavailable' },
    code: { type: 'string', description: "The hub's own failure code (`TRANSPORT_ERROR`, ...)." },
    message: { type: 'string', description: 'Never holds the secret or a token.' },
  },
  additionalProperties: false,
};

const NEST_ERROR = {
  type: 'object',
  required: ['statusCode'],
  properties: { statusCode: { type: 'integer' }, message: {}, error: { type: 'string' } },
};

const answers = {
  200: {
    description: 'The current token.',
    headers: NO_STORE,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/HubToken' } } },
  },
  401: {
    description: 'No API key, or a wrong one (logged with the caller address, never the key).',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/NestError' } } },
  },
  429: {
    description:
      'This address presented more than 10 wrong keys this minute: every request is refused until the minute ends.',
    headers: {
      'Retry-After': { description: 'Seconds until the minute ends.', schema: { type: 'string' } },
    },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/TooManyRequests' } } },
  },
  503: {
    description:
      'The hub has no token (the platform refused or did not answer); wait for `Retry-After` when given.',
    headers: {
      ...NO_STORE,
      'Retry-After': {
        description: "Seconds until the hub's next attempt.",
        schema: { type: 'string' },
      },
    },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/HubError' } } },
  },
};

/**
 * Any route, the document's too: Nest's body parser refuses a body sent as JSON that is not JSON
 * (even on a GET) before the route runs.
 */
const MALFORMED_BODY = {
  description: 'The request carried a body sent as `application/json` that is not JSON.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/NestError' } } },
};

/** Where a hub listens: `HOST` and `PORT` of `npx nestjs-fandeng-auth hub` (or your app's). */
const SERVERS = [
  {
    url: 'http://{host}:{port}',
    description: 'A token hub: its address inside your network (it serves no TLS itself).',
    variables: {
      host: { default: '127.0.0.1', description: 'The HOST the hub listens on, or its name.' },
      port: { default: '3000', description: 'The PORT the hub listens on.' },
    },
  },
];

/** The schemas and the security scheme the routes refer to. */
const COMPONENTS = {
  securitySchemes: {
    apiKey: {
      type: 'http',
      scheme: 'bearer',
      description: "One of the hub's API keys: `Authorization: Bearer <key>`.",
    },
  },
  schemas: {
    HubToken: TOKEN,
    HubError: HUB_ERROR,
    NestError: NEST_ERROR,
    RejectedToken: {
      type: 'object',
      required: ['digest'],
      properties: {
        digest: {
          type: 'string',
          pattern: '^[0-9a-f]{64}$',
          description:
            'SHA-256 of the rejected token (UTF-8), lower-case hex: the token itself never travels back.',
        },
      },
    },
    BadRequest: {
      type: 'object',
      required: ['error', 'message'],
      properties: { error: { const: 'bad_request' }, message: { type: 'string' } },
      additionalProperties: false,
    },
    TooManyRequests: {
      type: 'object',
      required: ['error', 'message'],
      properties: { error: { const: 'too_many_requests' }, message: { type: 'string' } },
      additionalProperties: false,
    },
  },
};

/**
 * The hub's protocol as an OpenAPI 3.1 document, with its routes under `/{path}`: served at
 * `GET {path}/openapi.json`, and written to `docs/hub-openapi.yaml` by `npm run docs:openapi`.
 */
export function hubOpenApiDocument(path: string): Record<string, unknown> {
  const base = `/${path.replace(/^\/+|\/+$/g, '')}`;
  const security = [{ apiKey: [] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Fandeng token hub',
      version: '1',
      description:
        'The central token server of nestjs-fandeng-auth: it holds the platform credentials, refreshes the access token, and hands it to consumers by API key.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: SERVERS,
    paths: {
      [`${base}/${HUB_TOKEN_ROUTE}`]: {
        get: {
          operationId: 'getToken',
          summary: 'The current token.',
          security,
          responses: answers,
        },
      },
      [`${base}/${HUB_REJECTED_ROUTE}`]: {
        post: {
          operationId: 'reportRejectedToken',
          summary:
            'The platform answered 401 to this token: the hub replaces it if it is still its current token and old enough, and answers with its current token.',
          security,
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/RejectedToken' } },
            },
          },
          responses: {
            ...answers,
            400: {
              description: 'The body is not `{ "digest": "<64 hex>" }`.',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/BadRequest' } },
              },
            },
          },
        },
      },
      [`${base}/openapi.json`]: {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document (no key needed).',
          security: [],
          responses: {
            200: { description: 'OpenAPI 3.1', content: { 'application/json': {} } },
            400: MALFORMED_BODY,
          },
        },
      },
    },
    components: COMPONENTS,
  };
}
