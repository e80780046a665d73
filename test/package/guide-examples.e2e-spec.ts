import { rmSync } from 'node:fs';
import { writeGuideSnippets } from '../support/guides.js';

/**
 * The guide's own tests of a user's app ("Testing your app": `books.service.spec.ts` with the
 * fake TokenService, `books.e2e-spec.ts` with the emulator), run as written: their `it()` blocks
 * become tests of this file. The second is a user's first call with the token, from the guide.
 */
const dir = `${process.cwd()}/test/.guide-run-${process.pid}`; // beside node_modules, resolvable
const files = writeGuideSnippets(
  dir,
  ['@nestjs/common', '@nestjs/axios', '@nestjs/testing', 'rxjs'],
  {
    // Renamed, so that a folder left behind by a crash is never collected as tests of its own.
    rename: (name) => name.replace(/\.(e2e-)?spec\.ts$/, '.guide-test.ts'),
  },
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tests = files.filter((file) => file.endsWith('.guide-test.ts')).sort();
it('finds the two tests of the guide', () => {
  expect(tests).toEqual(['guide/books.guide-test.ts', 'guide/books.service.guide-test.ts']);
});
for (const file of tests) {
  await import(`${dir}/${file}`);
}
