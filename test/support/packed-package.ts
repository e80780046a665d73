import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = process.cwd();
const PACKAGE_DIR = `${ROOT}/dist/libs/fandeng-auth`;

/** Packs the built library as npm would publish it into `folder`; returns the tarball's path. */
export function packPackage(folder: string): string {
  execFileSync('npm', ['pack', PACKAGE_DIR, '--pack-destination', folder, '--silent'], {
    stdio: 'ignore',
  });
  return `${folder}/${readdirSync(folder).find((name) => name.endsWith('.tgz'))!}`;
}

/**
 * Packs the built library as npm would publish it and unpacks the tarball into
 * `{consumerDir}/node_modules/nestjs-fandeng-auth`, as `npm install` of the tarball would.
 * Returns the tarball's path.
 */
export function installPackedPackage(consumerDir: string): string {
  rmSync(consumerDir, { recursive: true, force: true });
  const installed = `${consumerDir}/node_modules/nestjs-fandeng-auth`;
  mkdirSync(installed, { recursive: true });
  const tarball = packPackage(consumerDir);
  execFileSync('tar', ['xzf', tarball, '-C', installed, '--strip-components', '1']);
  return tarball;
}

/**
 * Makes the repository's copies of `packages` (and nothing else) resolvable from `consumerDir`:
 * a consumer that has installed exactly these. Their own dependencies resolve from their real
 * location, as they would in an installed tree.
 */
export function linkPackages(consumerDir: string, packages: string[]): void {
  for (const name of packages) {
    const link = `${consumerDir}/node_modules/${name}`;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(`${ROOT}/node_modules/${name}`, link, 'dir');
  }
}

/**
 * Runs the repository's TypeScript compiler in `cwd` with no tsconfig of the repository's: the
 * packed declarations are what it checks. Resolves with its diagnostics ('' when clean).
 */
export async function compile(cwd: string, args: string[]): Promise<string> {
  const run = promisify(execFile)(
    process.execPath,
    [`${ROOT}/node_modules/typescript/bin/tsc`, '--ignoreConfig', ...args],
    { cwd, timeout: 90_000 },
  );
  // tsc prints its diagnostics on stdout: return that, so a failing test shows them.
  const { stdout } = await run.catch((error: { stdout?: string; message: string }) => ({
    stdout: error.stdout || error.message,
  }));
  return stdout;
}

/**
 * Runs `script` in `cwd`, test/package/fixtures/consumer.mjs by default (a plain ESM app that
 * boots the module and calls the platform), against the emulator at `baseUrl`; resolves what it
 * printed, parsed.
 */
export async function runConsumer(
  cwd: string,
  baseUrl: string,
  credentials: { id: string; secret: string },
  script = 'consumer.mjs',
): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [`${cwd}/${script}`], {
    cwd,
    env: {
      ...process.env,
      NODE_PATH: '',
      FANDENG_CLIENT_ID: credentials.id,
      FANDENG_CLIENT_SECRET: credentials.secret,
      FANDENG_BASE_URL: baseUrl,
    },
    timeout: 20_000,
  });
  return JSON.parse(stdout.trim());
}
