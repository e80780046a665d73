import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { FandengPlatformEmulator, type EmulatorOptions } from 'fandeng-emulator';
import {
  FandengAuthModule,
  TokenService,
  type FandengAuthModuleOptions,
} from 'nestjs-fandeng-auth';
import { CaptureLogger } from './capture-logger.js';

export const CLIENT_ID = 'test-client';
export const CLIENT_SECRET = 'test-secret-5f0c9e1b7a';

/** Fast retry settings, so failure paths run in milliseconds. */
export const FAST_RETRY = { maxAttempts: 3, initialDelayMs: 2, maxDelayMs: 50, maxCooldownMs: 50 };

/** An emulator on 127.0.0.1:0 with one known client. */
export async function startEmulator(
  options: EmulatorOptions = {},
): Promise<FandengPlatformEmulator> {
  const emulator = new FandengPlatformEmulator({
    clients: { [CLIENT_ID]: CLIENT_SECRET },
    ...options,
  });
  await emulator.start();
  return emulator;
}

export interface TokenHarness {
  module: TestingModule;
  tokens: TokenService;
  logger: CaptureLogger;
}

/**
 * A Nest module with FandengAuthModule pointed at the emulator, logging into a CaptureLogger.
 * `hostImports` are the host app's own modules (its `ScheduleModule.forRoot()`, say).
 */
export async function bootTokens(
  emulator: FandengPlatformEmulator,
  options: Partial<FandengAuthModuleOptions> = {},
  hostImports: NonNullable<ModuleMetadata['imports']> = [],
): Promise<TokenHarness> {
  const logger = new CaptureLogger();
  const module = await Test.createTestingModule({
    imports: [
      ...hostImports,
      FandengAuthModule.forRoot({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        retry: FAST_RETRY,
        minRefreshIntervalSeconds: 0,
        // The most the pacer allows: tests that fault the platform make hundreds of requests in
        // seconds. The pacer's own tests set their budget.
        dailyTokenBudget: 10_000_000,
        logger,
        ...options,
        baseUrl: options.baseUrl ?? emulator.url,
      }),
    ],
  }).compile();
  await module.init();
  return { module, tokens: module.get(TokenService), logger };
}

/**
 * A `budgetUtcOffsetMinutes` that puts the platform's day at noon now, so a test that reads
 * today's counts never straddles its midnight.
 */
export function noonUtcOffsetMinutes(now = new Date()): number {
  return 720 - (now.getUTCHours() * 60 + now.getUTCMinutes()); // within the option's -720..840
}

/** Resolves with the rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
