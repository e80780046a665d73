// Builds the publishable package folder dist/libs/fandeng-auth: compiled JS, .d.ts and the
// library's own package.json, ready for `npm pack` or `npm publish`.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/libs/fandeng-auth`;
// Built beside the package folder and swapped in at the end: another test run using the package
// meanwhile never finds it half-built.
const stage = `${root}dist/libs/.fandeng-auth-build-${process.pid}`;
const tsc = (...args) =>
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, ...args], {
    stdio: 'inherit',
  });

rmSync(stage, { recursive: true, force: true });
// Inside the source tree `#emulator` resolves through libs/fandeng-auth/package.json to a folder
// that exists only in the output, so the compiler is pointed at the declarations built first.
// (Under dist/, not the OS temp folder: type libraries are looked up from the config's folder.)
// A fresh clone has no dist/ yet.
mkdirSync(`${root}dist/libs`, { recursive: true });
const temp = mkdtempSync(`${root}dist/.build-lib-`);
try {
  // The emulator stays its own library; the `testing` entry re-exports it through `#emulator`.
  tsc(
    '-p',
    `${root}libs/fandeng-emulator/tsconfig.lib.json`,
    '--rootDir',
    `${root}libs/fandeng-emulator/src`,
    '--outDir',
    `${stage}/emulator`,
    '--declaration',
    '--sourceMap',
    'false',
    '--incremental',
    'false',
  );
  const config = join(temp, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: `${root}libs/fandeng-auth/tsconfig.lib.json`,
      compilerOptions: { paths: { '#emulator': [`${stage}/emulator/index.d.ts`] } },
    }),
  );
  tsc('-p', config, '--outDir', stage);
  copyFileSync(`${root}libs/fandeng-auth/package.json`, `${stage}/package.json`);
  // The package says MIT: a build without its licence text would publish a package that breaks it.
  // Both user guides: the npm page shows README.md, which links the Chinese one.
  for (const file of ['README.md', 'README.zh-CN.md', 'LICENSE', 'CHANGELOG.md']) {
    if (!existsSync(`${root}${file}`)) throw new Error(`build:lib: ${file} is missing`);
    copyFileSync(`${root}${file}`, `${stage}/${file}`);
  }
  // The operations kit (alert rules and their tests, the Grafana dashboard) ships beside the code.
  cpSync(`${root}ops`, `${stage}/ops`, { recursive: true });
  rmSync(out, { recursive: true, force: true });
  renameSync(stage, out);
} finally {
  rmSync(temp, { recursive: true, force: true });
  rmSync(stage, { recursive: true, force: true });
}
console.log(`Package folder ready: ${out}`);
