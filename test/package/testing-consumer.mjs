// A consumer's test setup with the packed package's `nestjs-fandeng-auth/testing` entry, in plain
// ESM JavaScript: the re-exported emulator on port 0 with a fault, then the fake TokenService.
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import { FandengAuthModule, FandengTransportError, TokenService } from 'nestjs-fandeng-auth';
import {
  FakeTokenService,
  FandengAuthTestingModule,
  FandengPlatformEmulator,
} from 'nestjs-fandeng-auth/testing';

const [clientId, clientSecret] = ['consumer-app', 'consumer-secret-for-tests'];
const emulator = new FandengPlatformEmulator({ clients: { [clientId]: clientSecret } });
const baseUrl = await emulator.start();
const result = {};
try {
  // The real module against the emulator, through one injected 503.
  emulator.injectFault({ type: 'status', status: 503 });
  const real = await NestFactory.createApplicationContext(
    FandengAuthModule.forRoot({
      clientId,
      clientSecret,
      baseUrl,
      retry: { initialDelayMs: 1, maxDelayMs: 5 },
      logger: false,
    }),
    { logger: false },
  );
  result.realStatus = (await real.get(HttpService).axiosRef.get('/api/books')).status;
  await real.close();
  result.tokenErrors = emulator.counters.tokenErrors;

  // The fake: the same TokenService class token, a forced typed failure, then a token the
  // emulator issued, which it accepts only if the interceptor put it on the request.
  const app = await NestFactory.createApplicationContext(
    FandengAuthTestingModule.forRoot({ apiBaseUrl: baseUrl }),
    { logger: false },
  );
  const fake = app.get(FakeTokenService);
  result.fakeIsTokenService = app.get(TokenService) === fake;
  fake.failNext(new FandengTransportError('platform unreachable'));
  const failure = await app
    .get(HttpService)
    .axiosRef.get('/api/books')
    .catch((error) => error);
  result.failure = failure instanceof FandengTransportError ? failure.code : String(failure);
  fake.setToken(emulator.lastIssued(clientId));
  result.fakeStatus = (await app.get(HttpService).axiosRef.get('/api/books')).status;
  await app.close();
} finally {
  await emulator.stop();
}
console.log(JSON.stringify(result));
