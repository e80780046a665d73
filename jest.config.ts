import type { Config } from 'jest';
import { pathsToModuleNameMapper } from 'ts-jest';
import ts from 'typescript';

// Path aliases live in tsconfig.json, so they are read from there instead of being duplicated.
const { config: tsconfig } = ts.readConfigFile('./tsconfig.json', ts.sys.readFile);
const paths = tsconfig?.compilerOptions?.paths ?? {};

// Nest 12 ships ESM only, and Node 20's jest cannot require() ESM, so tests run as ESM
// (hence `node --experimental-vm-modules` in the scripts).
const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  moduleNameMapper: {
    ...pathsToModuleNameMapper(paths, { prefix: '<rootDir>/' }),
    // Relative imports carry `.js` as Node's ESM resolution requires; jest resolves the `.ts`.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  // The built package folder has its own package.json named like the library.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

const config: Config = {
  projects: [
    { ...common, displayName: 'unit', testRegex: '(libs|apps)/.*\\.spec\\.ts$' },
    {
      ...common,
      displayName: 'e2e',
      testRegex: 'test/.*\\.e2e-spec\\.ts$',
      // Builds dist/libs/fandeng-auth, which the fleet test's worker processes import.
      globalSetup: '<rootDir>/test/global-setup.mjs',
    },
  ],
  collectCoverageFrom: ['libs/**/*.(t|j)s', 'apps/**/*.(t|j)s'],
  coverageDirectory: './coverage',
};

export default config;
