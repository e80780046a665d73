// Builds the package folder dist/libs/fandeng-auth for the e2e run: test/fleet/fleet-worker.mjs
// runs in child processes, which cannot load TypeScript, so it imports the built package.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist/libs/fandeng-auth/index.js');
// The package ships the emulator too (nestjs-fandeng-auth/testing), the guides, the hub's OpenAPI
// document and the examples, and the build script shapes it. (README.zh-CN.md may not exist.)
const sources = [
  'libs/fandeng-auth',
  'libs/fandeng-emulator',
  'scripts/build-lib.mjs',
  'ops',
  'tsconfig.json',
  'README.md',
  'README.zh-CN.md',
  'LICENSE',
  'CHANGELOG.md',
  'docs/hub-openapi.yaml',
  'examples',
]
  .map((path) => join(root, path))
  .filter((path) => existsSync(path));

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
