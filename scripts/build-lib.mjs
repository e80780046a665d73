// Builds the publishable package folder dist/libs/fandeng-auth: compiled JS, .d.ts and the
// library's own package.json, ready for `npm pack` or `npm publish`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/libs/fandeng-auth`;

rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}libs/fandeng-auth/tsconfig.lib.json`], {
  stdio: 'inherit',
});
copyFileSync(`${root}libs/fandeng-auth/package.json`, `${out}/package.json`);
for (const file of ['README.md', 'LICENSE']) {
  if (existsSync(`${root}${file}`)) copyFileSync(`${root}${file}`, `${out}/${file}`);
}
console.log(`Package folder ready: ${out}`);
