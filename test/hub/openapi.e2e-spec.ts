import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { tokenDigest } from 'nestjs-fandeng-auth';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { hubOpenApiDocument } from '../../libs/fandeng-auth/src/hub/hub-openapi.js';
import { HUB_PATH, HubFixture, KEY_A } from '../support/hub-fixture.js';

type Document = ReturnType<typeof hubOpenApiDocument> & {
  paths: Record<string, Record<string, { responses: Record<string, Answer> }>>;
};
interface Answer {
  headers?: Record<string, { schema: object }>;
  content?: { 'application/json'?: { schema?: { $ref: string } } };
}
interface Seen {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * What the document says is wrong with a real answer of `route` (`get /x/token`): the status must
 * be documented, the body must match its schema (JSON Schema 2020-12, as OpenAPI 3.1 has it), and
 * each documented header that is there must match its schema.
 */
function problemsWith(document: Document, ajv: Ajv2020, route: string, seen: Seen): string[] {
  const [method, path] = route.split(' ');
  const answer = document.paths[path]?.[method]?.responses[String(seen.status)];
  if (answer === undefined) return [`${route}: HTTP ${seen.status} is not documented`];
  const problems: string[] = [];
  const ref = answer.content?.['application/json']?.schema?.$ref;
  if (ref !== undefined && !ajv.validate({ $ref: `hub.json${ref}` }, seen.body)) {
    problems.push(`${route} ${seen.status} body: ${ajv.errorsText()}`);
  }
  for (const [name, { schema }] of Object.entries(answer.headers ?? {})) {
    const value = seen.headers[name.toLowerCase()];
    if (value !== undefined && !ajv.validate(schema, value)) {
      problems.push(`${route} ${seen.status} header ${name}: ${ajv.errorsText()}`);
    }
  }
  return problems;
}

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{ ruleId: string; severity: string; message: string }>;
}

/** `redocly lint` with its recommended rules (and no telemetry), as a JSON report. */
function redoclyLint(file: string): LintReport {
  const run = spawnSync(
    process.execPath,
    [
      'node_modules/@redocly/cli/bin/cli.js',
      'lint',
      '--extends=recommended',
      '--format=json',
      file,
    ],
    {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  if (!run.stdout.trim()) throw new Error(`redocly lint printed no report:\n${run.stderr}`);
  return JSON.parse(run.stdout) as LintReport;
}

describe('the hub protocol, written down in OpenAPI 3.1 and held to it (issue 18)', () => {
  const fx = new HubFixture();
  beforeEach(() => fx.setUp());
  afterEach(() => fx.tearDown());

  it('docs/hub-openapi.yaml is the document the code makes (npm run docs:openapi)', () => {
    const written = parse(readFileSync('docs/hub-openapi.yaml', 'utf8'));
    expect(written).toEqual(hubOpenApiDocument('fandeng-token-hub'));
  });

  it("passes Redocly's recommended lint with no error or warning (issue 25)", () => {
    expect(redoclyLint('docs/hub-openapi.yaml')).toMatchObject({
      totals: { errors: 0, warnings: 0, ignored: 0 },
    });
    // The lint does fail: the same document without its servers is an error.
    const dir = mkdtempSync(join(tmpdir(), 'fandeng-openapi-'));
    try {
      const { servers: _servers, ...withoutServers } = hubOpenApiDocument('fandeng-token-hub');
      writeFileSync(join(dir, 'hub.yaml'), stringify(withoutServers));
      const report = redoclyLint(join(dir, 'hub.yaml'));
      expect(report.problems.map((p) => [p.ruleId, p.severity])).toEqual([
        ['no-empty-servers', 'error'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves it at {path}/openapi.json without a key, and the hub's real answers match it", async () => {
    const hub = await fx.startHub();
    const server = hub.app.getHttpServer();
    const served = await request(server).get(`/${HUB_PATH}/openapi.json`).expect(200);
    const document = served.body as Document;
    expect(document).toEqual(hubOpenApiDocument(HUB_PATH));
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(document, 'hub.json');

    const token = `get /${HUB_PATH}/token`;
    const rejected = `post /${HUB_PATH}/token/rejected`;
    const get = (key?: string) => {
      const call = request(server).get(`/${HUB_PATH}/token`);
      return key ? call.set('Authorization', `Bearer ${key}`) : call;
    };
    const ok = await get(KEY_A);
    const answers: [string, Seen][] = [
      [token, ok],
      [token, await get()],
      [
        rejected,
        await request(server)
          .post(`/${HUB_PATH}/token/rejected`)
          .set('Authorization', `Bearer ${KEY_A}`)
          .send({ digest: tokenDigest(ok.body.value) }),
      ],
      [
        rejected,
        await request(server)
          .post(`/${HUB_PATH}/token/rejected`)
          .set('Authorization', `Bearer ${KEY_A}`)
          .send({ digest: 'not hex' }),
      ],
    ];
    // Any route answers 400 to a body sent as JSON that is not JSON, the document's own too.
    answers.push([
      `get /${HUB_PATH}/openapi.json`,
      await request(server)
        .get(`/${HUB_PATH}/openapi.json`)
        .set('Content-Type', 'application/json')
        .send('{not json'),
    ]);
    for (let i = 0; i < 11; i++) answers.push([token, await get(`wrong-key-${i}-0123456789`)]);
    // A hub whose platform is down: 503 with its own error code and Retry-After.
    fx.emulator.injectFault({ type: 'status', status: 503 }, Infinity);
    const down = await fx.startHub();
    answers.push([
      token,
      await request(down.app.getHttpServer())
        .get(`/${HUB_PATH}/token`)
        .set('Authorization', `Bearer ${KEY_A}`),
    ]);
    await hub.app.close();

    expect(answers.map(([, seen]) => seen.status)).toEqual([
      200,
      401,
      200,
      400,
      400,
      ...Array(9).fill(401), // the missing key above was the first refusal
      429,
      429,
      503,
    ]);
    expect(answers.flatMap(([route, seen]) => problemsWith(document, ajv, route, seen))).toEqual(
      [],
    );
    // The validator does fail: a token answer without its value does not pass.
    const { value: _value, ...withoutValue } = ok.body as Record<string, unknown>;
    expect(problemsWith(document, ajv, token, { ...ok, body: withoutValue })).toHaveLength(1);
    expect(problemsWith(document, ajv, token, { ...ok, status: 418 })).toEqual([
      `${token}: HTTP 418 is not documented`,
    ]);
  });
});
