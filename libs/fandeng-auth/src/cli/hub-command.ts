import { lookup } from 'node:dns/promises';
import { createRequire } from 'node:module';
import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import { DOCTOR_EXIT_CODES } from './doctor-outcomes.js';
import type { DoctorEnv } from './doctor-env.js';
import { HUB_SHUTDOWN_GRACE_MS } from './hub-connections.js';
import { HUB_ENV_VARS, readHubEnv } from './hub-env.js';
import { HUB_EXIT_CODES, HubListenError, JsonLineLogger, startHubServer } from './hub-server.js';

/**
 * `nestjs-fandeng-auth hub`: reads the environment, starts the hub, and stops it gracefully at
 * SIGTERM or SIGINT (in-flight requests finish within {@link HUB_SHUTDOWN_GRACE_MS}, the port is
 * released, exit 0). Resolves with an exit code when it cannot start (`invalid-environment`,
 * `cannot-listen`, `unexpected`), and with `undefined` once it runs.
 */
export async function runHub(env: DoctorEnv, format: 'text' | 'json'): Promise<number | undefined> {
  const logger: LoggerService =
    format === 'json'
      ? new JsonLineLogger((line) => process.stdout.write(line))
      : new ConsoleLogger('FandengTokenHub');
  const read = readHubEnv(env);
  const problems = read.ok ? await unresolvedHost(read.settings.host) : read.problems;
  if (!read.ok || problems.length > 0) {
    for (const problem of problems) logger.error(`Configuration: ${problem}`, 'FandengTokenHub');
    return DOCTOR_EXIT_CODES['invalid-environment'];
  }
  if (!installed('@nestjs/platform-express')) {
    logger.error(
      'The hub serves HTTP with @nestjs/platform-express, an optional peer: npm i @nestjs/platform-express ' +
        '(or npx -p nestjs-fandeng-auth -p @nestjs/platform-express nestjs-fandeng-auth hub)',
      'FandengTokenHub',
    );
    return DOCTOR_EXIT_CODES.unexpected;
  }
  let hub;
  try {
    hub = await startHubServer(read.settings, logger);
  } catch (error) {
    if (error instanceof HubListenError) {
      logger.error(
        `The hub cannot listen on ${HUB_ENV_VARS.host} ${read.settings.host}, ${HUB_ENV_VARS.port} ${read.settings.port} ` +
          `(${error.code}): is another process on that port? No token was requested`,
        'FandengTokenHub',
      );
      return HUB_EXIT_CODES['cannot-listen'];
    }
    // Never the error itself: a Nest boot error may quote the options.
    const code = (error as { code?: unknown }).code;
    logger.error(
      `The hub did not start: ${typeof code === 'string' ? code : (error as Error)?.name}`,
      'FandengTokenHub',
    );
    return DOCTOR_EXIT_CODES.unexpected;
  }
  const running = hub;
  const stop = (signal: string) => {
    logger.log(
      `${signal}: finishing the requests in flight (at most ${HUB_SHUTDOWN_GRACE_MS / 1000} s), then stopping`,
      'FandengTokenHub',
    );
    running.close().then(
      () => process.exit(0),
      () => process.exit(DOCTOR_EXIT_CODES.unexpected),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return undefined;
}

/** `HOST` must resolve: a name that does not is a configuration problem, named as one. */
async function unresolvedHost(host: string): Promise<string[]> {
  try {
    await lookup(host);
    return [];
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return [
      `${HUB_ENV_VARS.host}: does not resolve (${typeof code === 'string' ? code : 'lookup failed'})`,
    ];
  }
}

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
