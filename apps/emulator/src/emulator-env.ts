import { EmulatorConfigError, type EmulatorOptions } from 'fandeng-emulator';

/** Port of the standalone emulator when `EMULATOR_PORT` is unset (the library default is 0). */
export const DEFAULT_STANDALONE_PORT = 3100;

/**
 * Reads the emulator's options from the environment. Every malformed variable is reported at
 * once, in one {@link EmulatorConfigError}. Unset variables leave the library defaults.
 *
 * - `EMULATOR_PORT` (default 3100)
 * - `EMULATOR_TOKEN_LIFETIME_SECONDS`, `EMULATOR_OVERLAP_SECONDS`, `EMULATOR_DAILY_QUOTA`
 * - `EMULATOR_CLIENTS`: `id:secret,id2:secret2` (a secret may contain `:`)
 */
export function readEmulatorEnv(env: NodeJS.ProcessEnv): EmulatorOptions {
  const problems: string[] = [];
  const number = (name: string): number | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (Number.isNaN(value)) problems.push(`${name}: not a number`);
    return value;
  };
  const options: EmulatorOptions = {
    port: number('EMULATOR_PORT') ?? DEFAULT_STANDALONE_PORT,
    tokenLifetimeSeconds: number('EMULATOR_TOKEN_LIFETIME_SECONDS'),
    overlapSeconds: number('EMULATOR_OVERLAP_SECONDS'),
    dailyQuota: number('EMULATOR_DAILY_QUOTA'),
    clients: parseClients(env.EMULATOR_CLIENTS, problems),
  };
  if (problems.length > 0) throw new EmulatorConfigError(problems);
  // Unset keys are dropped, not passed as undefined, so the library's defaults apply.
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as EmulatorOptions;
}

function parseClients(
  raw: string | undefined,
  problems: string[],
): Record<string, string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const clients: Record<string, string> = {};
  raw.split(',').forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon).trim();
    const secret = entry.slice(colon + 1).trim();
    if (colon < 0 || id === '' || secret === '') {
      // The entry itself is not echoed: it may hold a secret.
      problems.push(`EMULATOR_CLIENTS: entry ${index + 1} is not "id:secret"`);
    } else {
      clients[id] = secret;
    }
  });
  return clients;
}
