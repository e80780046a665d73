import { DEFAULT_EMULATOR_CLIENTS, FandengPlatformEmulator } from 'fandeng-emulator';
import { readEmulatorEnv } from './emulator-env.js';

async function main(): Promise<void> {
  const options = readEmulatorEnv(process.env);
  const emulator = new FandengPlatformEmulator(options);
  const url = await emulator.start();
  // Client ids only: secrets never reach a log.
  const ids = Object.keys(options.clients ?? DEFAULT_EMULATOR_CLIENTS).join(', ');
  console.log(`Fandeng platform emulator listening on ${url} (clients: ${ids})`);

  const shutdown = (signal: NodeJS.Signals): void => {
    console.log(`${signal} received, stopping the emulator`);
    emulator.stop().then(
      () => undefined,
      (error: unknown) => {
        console.error('Emulator did not stop cleanly:', error);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
