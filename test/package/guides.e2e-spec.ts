import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  compiledSnippets,
  compileSnippets,
  headingAnchor,
  importsOf,
  packageOf,
  readGuide,
  REPOSITORY_URL,
  type Guide,
  type GuideBlock,
} from '../support/guides.js';
import { ROOT } from '../support/packed-package.js';

/**
 * The two user guides, README.md and README.zh-CN.md: one structure, one set of code blocks,
 * every TypeScript snippet compiling as written, links that work from the npm page.
 */
const english = readGuide('README.md');
const chinese = readGuide('README.zh-CN.md');
const guides = [english, chinese];
const name = (guide: Guide) => guide.path.slice(ROOT.length + 1);

/** What a Nest app has before it installs anything for this package (`nest new`). */
const NEST_APP = ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/testing'];
const NEST_APP_TOO = ['reflect-metadata', 'rxjs'];

describe('the user guides', () => {
  it('link to each other at the top', () => {
    const top = (guide: Guide) =>
      readFileSync(guide.path, 'utf8').split('\n').slice(0, 4).join('\n');
    expect(top(english)).toContain(`](${REPOSITORY_URL}/blob/main/README.zh-CN.md)`);
    expect(top(chinese)).toContain(`](${REPOSITORY_URL}/blob/main/README.md)`);
  });

  it('have the same headings, level by level, in the same order', () => {
    const levels = (guide: Guide) => guide.headings.map((heading) => heading.level);
    expect(english.headings.length).toBeGreaterThan(20);
    expect(levels(chinese)).toEqual(levels(english));
  });

  it('have byte-identical code blocks in the same order, with the same markers', () => {
    const shape = (block: GuideBlock) => ({
      lang: block.lang,
      code: block.code,
      fragment: block.fragment,
    });
    expect(english.blocks.length).toBeGreaterThan(15);
    expect(chinese.blocks.map(shape)).toEqual(english.blocks.map(shape));
  });

  it('each keep the clone section with the sample app and the test command CI runs', () => {
    const ci = readFileSync(`${ROOT}/.ci/run`, 'utf8').split('\n');
    expect(ci).toContain('npm test');
    for (const guide of guides) {
      const commands = guide.blocks
        .filter((block) => block.lang === 'sh')
        .flatMap((block) => block.code.split('\n').map((line) => line.replace(/\s+#.*$/, '')));
      expect({ guide: name(guide), commands }).toEqual({
        guide: name(guide),
        commands: expect.arrayContaining(['npm ci && npm start', 'npm test']),
      });
    }
  });

  it('link absolutely (the npm page resolves no relative link), or to their own headings', () => {
    for (const guide of guides) {
      const anchors = new Set(guide.headings.map((heading) => `#${headingAnchor(heading.text)}`));
      const broken = guide.links.filter((link) => {
        if (link.startsWith('#')) return !anchors.has(link);
        if (!link.startsWith('https://')) return true;
        if (!link.startsWith('https://github.com/fandeng-open/')) return false;
        // A file of this repository: it must exist, on the branch the link names.
        const file = new RegExp(`^${REPOSITORY_URL}/blob/main/(.+)$`).exec(link)?.[1];
        return link !== REPOSITORY_URL && (file === undefined || !existsSync(`${ROOT}/${file}`));
      });
      expect({ guide: name(guide), broken }).toEqual({ guide: name(guide), broken: [] });
    }
  });

  it('install every package their examples import', () => {
    for (const guide of guides) {
      const installed = guide.blocks
        .filter((block) => block.lang === 'sh')
        .flatMap((block) => block.code.split('\n'))
        .filter((line) => /^npm i(nstall)? /.test(line))
        .flatMap((line) => line.split(/\s+/).slice(2));
      const imported = compiledSnippets(guide)
        .flatMap((block) => importsOf(block.code))
        .map(packageOf)
        .filter((pkg): pkg is string => pkg !== undefined);
      const missing = [...new Set(imported)].filter(
        (pkg) => ![...installed, ...NEST_APP, ...NEST_APP_TOO].includes(pkg),
      );
      expect({ guide: name(guide), missing }).toEqual({ guide: name(guide), missing: [] });
    }
    // The first install line is the wiring example's: @nestjs/config included.
    const first = english.blocks.find((block) => block.code.startsWith('npm i '))?.code ?? '';
    expect(first).toContain('nestjs-fandeng-auth');
    expect(first).toContain('@nestjs/config');
  });

  it('compile every TypeScript snippet as written, strict, against the package', () => {
    const snippets = compiledSnippets(english);
    expect(snippets.length).toBeGreaterThan(10);
    // A fragment is compiled by no one: a few at most.
    expect(english.blocks.filter((block) => block.fragment).length).toBeLessThanOrEqual(3);
    // A planted wrong snippet shows the compiler really checks what it is given.
    const planted = { ...snippets[0], line: 0, file: 'planted.ts' };
    planted.code =
      "import { NoSuchExport } from 'nestjs-fandeng-auth';\nexport const x = NoSuchExport;";
    const diagnostics = compileSnippets(english, [...snippets, planted]);
    expect(diagnostics).toEqual([expect.stringMatching(/^README\.md:1: TS2305 /)]);
  }, 60_000);

  it('are both in the package npm would publish', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', `${ROOT}/dist/libs/fandeng-auth`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as [{ files: { path: string }[] }];
    const files = pack.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'README.zh-CN.md']));
    expect(readFileSync(`${ROOT}/dist/libs/fandeng-auth/README.zh-CN.md`, 'utf8')).toBe(
      readFileSync(chinese.path, 'utf8'),
    );
  });

  it('README.zh-CN.md is written in Chinese', () => {
    // Outside code, identifiers aside (`inline code`, tables' option names), the prose is Chinese.
    const words = chinese.prose.replace(/`[^`\n]*`/g, '').replace(/\]\([^)]*\)/g, ']');
    const han = words.match(/\p{Script=Han}/gu)?.length ?? 0;
    const latin = words.match(/[A-Za-z]/g)?.length ?? 0;
    expect(han / (han + latin)).toBeGreaterThan(0.5);
  });
});
