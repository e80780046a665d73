import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ENTRIES = {
  'nestjs-fandeng-auth': 'libs/fandeng-auth/src/index.ts',
  'nestjs-fandeng-auth/testing': 'libs/fandeng-auth/src/testing/index.ts',
} as const;

/** Every name an entry exports, as `value Name` or `type Name`, read by the compiler. */
function exportsOf(files: string[]): Map<string, string[]> {
  const { config } = ts.readConfigFile('tsconfig.json', (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, '.');
  const program = ts.createProgram(files, options);
  const checker = program.getTypeChecker();
  return new Map(
    files.map((file) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      const names = checker.getExportsOfModule(module).map((symbol) => {
        const target =
          symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        return `${target.flags & ts.SymbolFlags.Value ? 'value' : 'type'} ${symbol.name}`;
      });
      return [file, names.sort()];
    }),
  );
}

/** The names docs/api.md lists under the heading of `entry`. */
function documented(entry: string): string[] {
  const page = readFileSync('docs/api.md', 'utf8');
  const section = page.split(/^## /m).find((part) => part.startsWith(`\`${entry}\`\n`)) ?? '';
  return [...section.matchAll(/^- `(\w+)` \((value|type)\)/gm)]
    .map(([, name, kind]) => `${kind} ${name}`)
    .sort();
}

/** Every export is a promise to keep: none is added or removed without docs/api.md saying so. */
describe('the public API', () => {
  const exported = exportsOf(Object.values(ENTRIES));

  it.each(Object.entries(ENTRIES))('%s exports exactly what docs/api.md lists', (entry, file) => {
    expect(exported.get(file)).toEqual(documented(entry));
  });

  // 32: issue 23 added the fetch path (FandengFetch, InjectFandengFetch, getFandengFetchToken),
  // issue 24 registerFandengHubMetrics and TokenHubService.
  it('keeps the main entry small: at most 32 runtime exports', () => {
    const values = exported
      .get(ENTRIES['nestjs-fandeng-auth'])!
      .filter((n) => n.startsWith('value'));
    expect(values.length).toBeLessThanOrEqual(32);
  });
});

/** Which folders of the library the files of each folder import (root files aside). */
function folderGraph(root: string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const targets = new Set<string>();
    for (const file of readdirSync(join(root, entry.name), { recursive: true }) as string[]) {
      if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
      const text = readFileSync(join(root, entry.name, file), 'utf8');
      for (const [, folder] of text.matchAll(/from '\.\.\/([\w-]+)\//g)) targets.add(folder);
    }
    graph.set(entry.name, targets);
  }
  return graph;
}

/** A loop in the graph, as the folders along it, or `undefined`. */
function findLoop(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    if (state.get(node) === 'done') return undefined;
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) {
      const loop = visit(next, [...path, node]);
      if (loop) return loop;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const loop = visit(node, []);
    if (loop) return loop;
  }
  return undefined;
}

describe('the source layout', () => {
  it('has no two folders that import each other, directly or in a ring', () => {
    const graph = folderGraph('libs/fandeng-auth/src');
    expect(graph.size).toBeGreaterThan(5);
    expect(findLoop(graph)).toBeUndefined();
  });

  it('keeps the server side of the hub above the token side: token/ never imports hub/', () => {
    expect(folderGraph('libs/fandeng-auth/src').get('token')?.has('hub')).toBe(false);
  });
});
