#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../fandeng-auth.constants.js';
import { runDoctor, type DoctorRunOptions } from './doctor.js';
import { DOCTOR_EXIT_CODES } from './doctor-outcomes.js';

const HELP = `Usage: nestjs-fandeng-auth doctor [--json] [--timeout <ms>]

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

Options:
  --json           print one JSON object instead of text
  --timeout <ms>   give up on the call after this long (default ${DEFAULT_REQUEST_TIMEOUT_MS})
  -h, --help       show this help

Exit codes:
${Object.entries(DOCTOR_EXIT_CODES)
  .map(([outcome, code]) => `  ${String(code).padStart(2)}  ${outcome}`)
  .join('\n')}
`;

function usageError(message: string): number {
  process.stderr.write(`nestjs-fandeng-auth: ${message}\n\n${HELP}`);
  return DOCTOR_EXIT_CODES.usage;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
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
    process.exitCode = code;
  },
  (error: unknown) => {
    // runDoctor never throws; this is a bug, and its message could quote anything: name only.
    process.stderr.write(`nestjs-fandeng-auth: internal error (${(error as Error)?.name})\n`);
    process.exitCode = DOCTOR_EXIT_CODES.unexpected;
  },
);
