import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { ROOT } from './packed-package.js';

/** Where links into the repository point: the npm page cannot resolve relative ones. */
export const REPOSITORY_URL = 'https://github.com/fandeng-open/nestjs-fandeng-auth';

export interface GuideHeading {
  level: number;
  text: string;
  line: number;
}

export interface GuideBlock {
  lang: string;
  code: string;
  line: number;
  /** `<!-- fragment -->` before the fence: a piece of code, not compiled. */
  fragment: boolean;
  /** A first line `// name.ts`: the file the snippet is, which others may import. */
  file?: string;
}

export interface Guide {
  path: string;
  headings: GuideHeading[];
  blocks: GuideBlock[];
  /** Link targets of the prose (`[text](target)`), outside code blocks. */
  links: string[];
  /** The text outside code blocks. */
  prose: string;
}

const FENCE = /^(`{3,})(\S*)\s*$/;
const FILE_LINE = /^\/\/ ([\w.-]+\.ts)$/;

/** Reads a Markdown guide into its headings, code blocks and links, line by line. */
export function readGuide(name: string): Guide {
  const path = `${ROOT}/${name}`;
  const lines = readFileSync(path, 'utf8').split('\n');
  const guide: Guide = { path, headings: [], blocks: [], links: [], prose: '' };
  const prose: string[] = [];
  let open: { fence: string; block: GuideBlock; body: string[] } | undefined;
  let lastMeaningful = '';
  lines.forEach((text, index) => {
    const fence = FENCE.exec(text);
    if (open) {
      if (fence && fence[1] === open.fence && fence[2] === '') {
        open.block.code = open.body.join('\n');
        open.block.file = FILE_LINE.exec(open.body[0] ?? '')?.[1];
        guide.blocks.push(open.block);
        open = undefined;
      } else open.body.push(text);
      return;
    }
    if (fence) {
      const fragment = lastMeaningful.trim() === '<!-- fragment -->';
      const block = { lang: fence[2], code: '', line: index + 1, fragment };
      open = { fence: fence[1], block, body: [] };
      return;
    }
    const heading = /^(#{1,6}) (.+)$/.exec(text);
    if (heading)
      guide.headings.push({ level: heading[1].length, text: heading[2], line: index + 1 });
    for (const link of text.matchAll(/\]\(([^)\s]+)\)/g)) guide.links.push(link[1]);
    prose.push(text);
    if (text.trim() !== '') lastMeaningful = text;
  });
  if (open) throw new Error(`${name}:${open.block.line}: a code block is never closed`);
  guide.prose = prose.join('\n');
  return guide;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The npm package an import specifier names (`@scope/name/sub` → `@scope/name`), or undefined. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The module specifiers a TypeScript snippet imports. */
export function importsOf(code: string): string[] {
  return [...code.matchAll(/^import [^;]*?from '([^']+)';$/gms)].map((match) => match[1]);
}

/** The guide's TypeScript snippets that are compiled: all but those marked as fragments. */
export function compiledSnippets(guide: Guide): GuideBlock[] {
  return guide.blocks.filter((block) => block.lang === 'ts' && !block.fragment);
}

/** Each snippet's file name: the one its first line gives, or `snippet-<n>.ts`. */
export function snippetFiles(blocks: GuideBlock[]): Map<string, GuideBlock> {
  const files = new Map<string, GuideBlock>();
  blocks.forEach((block, index) => {
    const name = block.file ?? `snippet-${index + 1}.ts`;
    if (files.has(name)) throw new Error(`two snippets are ${name}`);
    files.set(name, block);
  });
  return files;
}

/**
 * Writes the README's snippets that import only `installed` packages (and each other) into
 * `{dir}/guide/`, for a consumer project to compile against the packed package. Returns their
 * paths relative to `dir`.
 */
export function writeGuideSnippets(
  dir: string,
  installed: string[],
  { rename = (name: string) => name }: { rename?: (name: string) => string } = {},
): string[] {
  const usable = compiledSnippets(readGuide('README.md')).filter((block) =>
    importsOf(block.code)
      .map(packageOf)
      .every(
        (pkg) => pkg === undefined || pkg === 'nestjs-fandeng-auth' || installed.includes(pkg),
      ),
  );
  mkdirSync(`${dir}/guide`, { recursive: true });
  return [...snippetFiles(usable)].map(([name, block]) => {
    writeFileSync(`${dir}/guide/${rename(name)}`, block.code);
    return `guide/${rename(name)}`;
  });
}

/**
 * Type-checks the snippets as files of one folder, with the repository's compiler options made
 * strict and `nestjs-fandeng-auth` mapped to the library's sources (tsconfig.json `paths`).
 * A snippet named by its first line (`// books.service.ts`) can be imported by the others.
 * Returns the diagnostics, one per line, each naming the guide line of its snippet.
 */
export function compileSnippets(guide: Guide, blocks: GuideBlock[]): string[] {
  const folder = `${ROOT}/test/guide-snippets`; // never written: the host serves these files
  const files = new Map<string, GuideBlock>(
    [...snippetFiles(blocks)].map(([name, block]) => [`${folder}/${name}`, block] as const),
  );
  const { config } = ts.readConfigFile(`${ROOT}/tsconfig.json`, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    strict: true,
    noEmit: true,
    incremental: false,
  };
  const host = ts.createCompilerHost(options);
  const disk = ts.createCompilerHost(options); // the real files, for everything but the snippets
  host.directoryExists = (name) => name === folder || ts.sys.directoryExists(name);
  host.fileExists = (name) => files.has(name) || disk.fileExists(name);
  host.readFile = (name) => files.get(name)?.code ?? disk.readFile(name);
  host.getSourceFile = (name, language, ...rest) => {
    const block = files.get(name);
    return block
      ? ts.createSourceFile(name, block.code, language, true)
      : disk.getSourceFile(name, language, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const block = diagnostic.file ? files.get(diagnostic.file.fileName) : undefined;
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const where = block
      ? `${guide.path.slice(ROOT.length + 1)}:${block.line + 1 + line}`
      : diagnostic.file.fileName;
    return `${where}: TS${diagnostic.code} ${message}`;
  });
}
