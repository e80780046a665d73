import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * What a Nest 11 app has installed: Nest 11, the `@nestjs/axios` and `@nestjs/schedule` majors
 * released for it (4 and 6; `npm view @nestjs/axios@4 peerDependencies`), Express for the hub
 * command, class-validator 0.14
 * for its ValidationPipe (0.14.0, the oldest the package accepts; the repository tests 0.15), and
 * Node's types for the compiler. From the npm registry, not the repository's Nest 12.
 */
const NEST11_APP = {
  '@nestjs/axios': '^4.0.0',
  '@nestjs/common': '^11.0.0',
  '@nestjs/core': '^11.0.0',
  '@nestjs/platform-express': '^11.0.0',
  '@nestjs/schedule': '^6.0.0',
  '@types/node': '^20.0.0',
  axios: '^1.7.0',
  'class-validator': '0.14.0',
  'reflect-metadata': '^0.2.0',
  rxjs: '^7.8.0',
};

const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/**
 * The Nest 11 app, installed once and kept in the OS temp folder between runs (an `npm install`
 * from the registry takes tens of seconds; the copy takes well under one). Outside the
 * repository, so nothing resolves from the repository's node_modules. A new dependency list
 * gets a new folder.
 */
function cachedNest11App(): string {
  const key = createHash('sha256').update(JSON.stringify(NEST11_APP)).digest('hex').slice(0, 12);
  const cache = `${tmpdir()}/nestjs-fandeng-auth-nest11-${key}`;
  if (existsSync(cache)) return cache;
  // Installed aside and renamed whole: a concurrent run never sees a half-installed app.
  const staging = mkdtempSync(`${cache}-staging-`);
  writeFileSync(
    `${staging}/package.json`,
    JSON.stringify({ name: 'nest11-app', private: true, dependencies: NEST11_APP }),
  );
  try {
    execFileSync('npm', NPM_INSTALL, { cwd: staging, stdio: 'pipe' });
    renameSync(staging, cache);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(cache)) throw error; // else another run installed it first
  }
  return cache;
}

/**
 * Makes `appDir` a Nest 11 app (a copy of the cached one) and installs the packed library's
 * `tarball` into it with npm, which refuses (ERESOLVE) a package whose peers reject Nest 11.
 */
export function installInNest11App(appDir: string, tarball: string): void {
  rmSync(appDir, { recursive: true, force: true });
  cpSync(cachedNest11App(), appDir, { recursive: true, verbatimSymlinks: true });
  execFileSync('npm', [...NPM_INSTALL, tarball], { cwd: appDir, stdio: 'pipe' });
}
