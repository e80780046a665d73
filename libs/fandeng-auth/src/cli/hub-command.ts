import { createRequire } from 'node:module';
import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import { DOCTOR_EXIT_CODES } from './doctor-outcomes.js';
import type { DoctorEnv } from './doctor-env.js';
import { readHubEnv } from './hub-env.js';
import { JsonLineLogger, startHubServer } from './hub-server.js';

/**
 * `nestjs-fandeng-auth hub`: reads the environment, starts the hub, and stops it gracefully at
 * SIGTERM or SIGINT (in-flight requests finish, the port is released, exit 0). Resolves with an
 * exit code when it cannot start, and with `undefined` once it runs.
 */
export async function runHub(env: DoctorEnv, format: 'text' | 'json'): Promise<number | undefined> {
  const logger: LoggerService =
    format === 'json'
      ? new JsonLineLogger((line) => process.stdout.write(line))
      : new ConsoleLogger('FandengTokenHub');
  const read = readHubEnv(env);
  if (!read.ok) {
    for (const problem of read.problems)
      logger.error(`Configuration: ${problem}`, 'FandengTokenHub');
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
    logger.log(`${signal}: finishing the requests in flight, then stopping`, 'FandengTokenHub');
    running.close().then(
      () => process.exit(0),
      () => process.exit(DOCTOR_EXIT_CODES.unexpected),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return undefined;
}

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
