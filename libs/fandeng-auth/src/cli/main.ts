#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../fandeng-auth.constants.js';
import { runDoctor, type DoctorRunOptions } from './doctor.js';
import { DOCTOR_EXIT_CODES } from './doctor-outcomes.js';
import { runHub } from './hub-command.js';
import { HUB_EXIT_CODES } from './hub-server.js';

const HELP = `Usage: nestjs-fandeng-auth doctor [--json] [--timeout <ms>]
       nestjs-fandeng-auth hub [--log-format text|json]

Checks a deployment's Fandeng settings: requests one access token from the platform and says
what happened and what to do next. Prints a fingerprint of the token, never the token or the
secret. Each run is one token request: it counts against the platform's daily limit.

Environment (a .env file in the current directory is read too; the environment wins):
  FANDENG_CLIENT_ID       the appId                                   required
  FANDENG_CLIENT_SECRET   the appSecret                               required
  FANDENG_BASE_URL        the platform, e.g. https://open-platform-test.dushu.io   required
  FANDENG_TOKEN_PATH      the token endpoint's path                   default /oauth/token

A service that gets its token from a token hub (FANDENG_MODE=consumer) asks the hub instead
(no platform request of its own):
  FANDENG_HUB_URL         the hub, e.g. http://token-hub.internal:3000/fandeng-token-hub
  FANDENG_HUB_API_KEY     this service's key for the hub

hub: runs the central token hub the platform asks for. It holds the credentials above, refreshes
the token, and serves it to consumers by API key (GET {path}/token, POST {path}/token/rejected),
with GET /health and GET /metrics (Prometheus text, when prom-client is installed). SIGTERM or
SIGINT stops it gracefully. It reads, besides the platform's variables:
  FANDENG_HUB_API_KEYS    keys separated by commas: key, sha256:<hex>, or name=key   required
  FANDENG_HUB_PATH        where the hub's routes live                  default fandeng-token-hub
  PORT, HOST              where it listens                             default 3000, 127.0.0.1
  REDIS_URL               share the token with other hub replicas      default: none
  REDIS_KEY_PREFIX        the store's key prefix                       default fandeng-auth:
  TRUST_PROXY             the proxies in front of the hub (loopback, 10.0.0.0/8, ...) or a
                          hop count: the wrong-key limit then counts the client they name in
                          X-Forwarded-For                             default: none (ignored)
A bad setting (PORT must be plain decimal, HOST must resolve) exits with the
invalid-environment code, naming the variable, never its value; a port in use exits 20
(cannot-listen) before any token request. /health says up or down; its token details and the
per-consumer /metrics need one of the hub's keys. SIGTERM stops it within 10 s.

Options:
  --json           print one JSON object instead of text
  --log-format     hub: text (Nest's logger) or json (one object per line)
  --timeout <ms>   give up on the call after this long (default ${DEFAULT_REQUEST_TIMEOUT_MS})
  -h, --help       show this help

Exit codes:
${Object.entries({ ...DOCTOR_EXIT_CODES, ...HUB_EXIT_CODES })
  .map(([outcome, code]) => `  ${String(code).padStart(2)}  ${outcome}`)
  .join('\n')}
`;

function usageError(message: string): number {
  process.stderr.write(`nestjs-fandeng-auth: ${message}\n\n${HELP}`);
  return DOCTOR_EXIT_CODES.usage;
}

async function main(argv: string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : 'invalid arguments');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return DOCTOR_EXIT_CODES.ok;
  }
  if (positionals.length === 1 && positionals[0] === 'hub') {
    const format = values['log-format'] ?? 'text';
    if (format !== 'text' && format !== 'json')
      return usageError('--log-format must be text or json');
    loadDotEnv();
    return runHub(process.env, format);
  }
  if (positionals.length !== 1 || positionals[0] !== 'doctor') {
    return usageError(positionals.length === 0 ? 'no command given' : 'unknown command');
  }
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    return usageError('--timeout must be a whole number of milliseconds');
  }
  const options: DoctorRunOptions = { json: values.json, timeoutMs, ...loadDotEnv() };
  return runDoctor(process.env, { write: (text) => process.stdout.write(text) }, options);
}

/** Reads `.env` from the current directory, as the sample app's ConfigModule does. */
function loadDotEnv(): Pick<DoctorRunOptions, 'notes' | 'problems'> {
  const path = resolve('.env');
  if (!existsSync(path)) return {};
  try {
    // Variables already in the environment keep their value.
    process.loadEnvFile(path);
    return { notes: [`read ${path} (variables set in the environment take precedence)`] };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { problems: [`.env: cannot be read (${typeof code === 'string' ? code : 'error'})`] };
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // undefined: a server runs until a signal stops it.
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    // runDoctor never throws; this is a bug, and its message could quote anything: name only.
    process.stderr.write(`nestjs-fandeng-auth: internal error (${(error as Error)?.name})\n`);
    process.exitCode = DOCTOR_EXIT_CODES.unexpected;
  },
);
