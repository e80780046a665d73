import { readFileSync } from 'node:fs';
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

  it('keeps the main entry small: at most 30 runtime exports', () => {
    const values = exported
      .get(ENTRIES['nestjs-fandeng-auth'])!
      .filter((n) => n.startsWith('value'));
    expect(values.length).toBeLessThanOrEqual(30);
  });
});
