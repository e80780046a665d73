// A Nest 11 app's consumer of the packed nestjs-fandeng-auth, in CommonJS as Nest 11 apps are:
// require() loads the ESM-only package (Node 20.19+), boots Nest with the module, gets a token and
// calls the platform through the injected HttpService.
require('reflect-metadata');
const { HttpService } = require('@nestjs/axios');
const { NestFactory } = require('@nestjs/core');
const { FandengAuthModule, TokenService } = require('nestjs-fandeng-auth');

/** The option fields a boot with bad options names, which class-validator 0.14 reports too. */
async function refusedFields() {
  const bad = { clientId: '', baseUrl: 'nope', refreshJitter: -1, retry: { maxAttempt: 5 } };
  try {
    await NestFactory.createApplicationContext(FandengAuthModule.forRoot(bad), {
      logger: false,
      abortOnError: false, // Nest's default exits the process on a failed boot
    });
  } catch (error) {
    return [error.code, ...new Set(error.problems.map((problem) => problem.split(':')[0]))];
  }
  return 'booted';
}

async function main() {
  const refused = await refusedFields();
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
      refused,
    }),
  );
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
