// A consumer of the packed nestjs-fandeng-auth, in plain ESM JavaScript as a user's app would be:
// boots Nest with the module, gets a token and calls the platform through the injected HttpService.
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import { FandengAuthModule, TokenService } from 'nestjs-fandeng-auth';

const app = await NestFactory.createApplicationContext(
  FandengAuthModule.forRoot({
    clientId: process.env.FANDENG_CLIENT_ID,
    clientSecret: process.env.FANDENG_CLIENT_SECRET,
    baseUrl: process.env.FANDENG_BASE_URL,
    logger: false,
  }),
  { logger: false },
);
const token = await app.get(TokenService).getToken();
const response = await app.get(HttpService).axiosRef.get('/api/books');
await app.close();
console.log(
  JSON.stringify({
    tokenType: token.tokenType,
    status: response.status,
    books: response.data.data.length,
  }),
);
