import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FandengPlatformEmulator } from 'fandeng-emulator';
import { AppModule } from './app.module.js';

const logger = new Logger('Sample');

/**
 * With no FANDENG_BASE_URL, start the platform emulator in this process and point at it, so
 * `npm start` works on a fresh clone; with one, talk to that platform.
 */
async function startEmulatorIfNeeded(): Promise<FandengPlatformEmulator | undefined> {
  if (process.env.FANDENG_BASE_URL) {
    logger.log(`Using the platform at ${process.env.FANDENG_BASE_URL}`);
    return undefined;
  }
  // A consumer gets its token from a hub, which knows the platform: an emulator here would
  // accept none of the hub's tokens. It must be told where the platform (or emulator) is.
  if (process.env.FANDENG_MODE === 'consumer') return undefined;
  const clientId = (process.env.FANDENG_CLIENT_ID ??= 'demo-client');
  const clientSecret = (process.env.FANDENG_CLIENT_SECRET ??= 'demo-secret');
  const lifetime = process.env.EMULATOR_TOKEN_LIFETIME_SECONDS;
  const emulator = new FandengPlatformEmulator({
    clients: { [clientId]: clientSecret },
    port: Number(process.env.EMULATOR_PORT ?? 0),
    ...(lifetime ? { tokenLifetimeSeconds: Number(lifetime) } : {}),
  });
  process.env.FANDENG_BASE_URL = await emulator.start();
  logger.warn(
    `FANDENG_BASE_URL is not set: started the platform EMULATOR at ${process.env.FANDENG_BASE_URL} ` +
      `(client ${clientId}). Set FANDENG_BASE_URL to use the real platform.`,
  );
  return emulator;
}

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const emulator = await startEmulatorIfNeeded();
  const app = await NestFactory.create(AppModule.forRoot());
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const mode = process.env.FANDENG_MODE ?? 'direct';
  const hub = mode === 'hub' ? ', GET /fandeng-token-hub/token (API key)' : '';
  logger.log(
    `Sample app (${mode} mode) on http://127.0.0.1:${port}: GET /books, GET /status, GET /health, GET /metrics${hub}`,
  );
  const stop = async () => {
    await app.close();
    await emulator?.stop();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void bootstrap();
