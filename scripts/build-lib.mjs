// Builds the publishable package folder dist/libs/fandeng-auth: compiled JS, .d.ts and the
// library's own package.json, ready for `npm pack` or `npm publish`.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
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
  relativeEmulatorTypes(stage);
  copyDocuments(stage);
  rmSync(out, { recursive: true, force: true });
  renameSync(stage, out);
} finally {
  rmSync(temp, { recursive: true, force: true });
  rmSync(stage, { recursive: true, force: true });
}
console.log(`Package folder ready: ${out}`);

/**
 * The declarations name the emulator by a relative path instead of `#emulator`: TypeScript's
 * `node10` resolution (still the default of `module: commonjs`) ignores package.json `imports`,
 * so a consumer compiling with it got TS2307 on the testing entry. The JS keeps `#emulator`,
 * which every Node version the package supports resolves.
 */
function relativeEmulatorTypes(folder) {
  const files = readdirSync(folder, { recursive: true }).filter((f) => f.endsWith('.d.ts'));
  for (const file of files) {
    const path = join(folder, file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(`'#emulator'`)) continue;
    let target = relative(dirname(path), join(folder, 'emulator/index.js'));
    if (!target.startsWith('.')) target = `./${target}`;
    writeFileSync(path, text.replaceAll(`'#emulator'`, `'${target}'`));
  }
}

/**
 * What the package's page and guides link to, shipped so the links work from an install: the
 * guides, the licence (the package says MIT), the changelog, the hub's OpenAPI document and the
 * hub consumers in other languages. README.zh-CN.md goes in where the repository has it.
 */
function copyDocuments(folder) {
  // The package says MIT: a build without its licence text would publish a package that breaks it.
  // Both user guides: the npm page shows README.md, which links the Chinese one.
  const files = [
    'README.md',
    'README.zh-CN.md',
    'LICENSE',
    'CHANGELOG.md',
    'docs/hub-openapi.yaml',
  ];
  for (const file of files) {
    if (!existsSync(`${root}${file}`)) throw new Error(`build:lib: ${file} is missing`);
    mkdirSync(dirname(`${folder}/${file}`), { recursive: true });
    copyFileSync(`${root}${file}`, `${folder}/${file}`);
  }
  // The operations kit (alert rules and their tests, the Grafana dashboard) ships beside the code.
  cpSync(`${root}ops`, `${folder}/ops`, { recursive: true });
  // Python leaves its byte code beside a script it ran: not part of the example.
  cpSync(`${root}examples`, `${folder}/examples`, {
    recursive: true,
    filter: (source) => basename(source) !== '__pycache__',
  });
}
