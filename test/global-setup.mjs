// Builds the package folder dist/libs/fandeng-auth for the e2e run: test/fleet/fleet-worker.mjs
// runs in child processes, which cannot load TypeScript, so it imports the built package.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist/libs/fandeng-auth/index.js');
// The package ships the emulator too (nestjs-fandeng-auth/testing), and the build script shapes it.
const sources = [
  join(root, 'libs/fandeng-auth'),
  join(root, 'libs/fandeng-emulator'),
  join(root, 'scripts/build-lib.mjs'),
  join(root, 'ops'),
  join(root, 'tsconfig.json'),
  // Copied into the package as they are.
  ...['README.md', 'README.zh-CN.md', 'LICENSE', 'CHANGELOG.md'].map((file) => join(root, file)),
];

/** Newest modification time of a file, or of any file below a folder. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), 0);
}

export default async function globalSetup() {
  // The build deletes the folder before compiling: skipping it when nothing changed keeps a
  // concurrent run's workers from finding the package half-built.
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newest))) return;
  execFileSync(process.execPath, [join(root, 'scripts/build-lib.mjs')], {
    cwd: root,
    // The compiler reports its errors on stdout: pass them on, or a failed build says nothing.
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 120_000,
  });
}
