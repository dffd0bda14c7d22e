// Flat config. Type-aware rules catch the async bugs that matter in a pipeline:
// a floating promise loses an error, a misused promise acks a message before it is durable.
// Boundary rules keep the libs' import graph honest: no cycles, no lib reaching into another
// lib's files (only `@gridproof/<lib>`, the lib's public index.ts).
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const { createTypeScriptImportResolver } = require('eslint-import-resolver-typescript');

/** `@gridproof/<lib>/...`: a path into a lib instead of its public face. */
const DEEP_SPECIFIER = { group: ['@gridproof/*/**'], message: "import the lib's public face, '@gridproof/<lib>' (its index.ts)" };
/** From inside libs/<lib>: a relative path that climbs out of the lib into another one's files. */
const INTO_OTHER_LIB = { regex: '^(\\.\\./)+(libs/)?[a-z-]+/src(/|$)', message: "another lib's internals: import '@gridproof/<lib>' (add what you need to its index.ts)" };
/**
 * From apps, benchmarks, dashboards, the simulator: a relative path into a lib, except the two
 * test kits that are deliberately not in the faces (they start whole processes or fake servers)
 * and the alerts model, whose pure modules the browser console bundles (the lib's face would
 * pull Nest into the bundle).
 */
const INTO_LIB_FROM_OUTSIDE = {
  regex: '^(\\.\\./)+libs/(?!testing/src/faults/|broker/src/testing/|rewards/src/testing/|alerts/src/model/)',
  message: "a lib's internals: import '@gridproof/<lib>' (add what you need to its index.ts)",
};

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '**/*.js', 'contracts/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': ['error', { patterns: [DEEP_SPECIFIER, INTO_LIB_FROM_OUTSIDE] }],
    },
  },
  {
    files: ['libs/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${__dirname}/tsconfig.json` })],
    },
    rules: {
      'no-restricted-imports': ['error', { patterns: [DEEP_SPECIFIER, INTO_OTHER_LIB] }],
      // A cycle through the libs' faces (anchor → ingest → anchor) or inside a lib. Production
      // code only: a test may import what imports it back, and test kits are not part of the graph.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Jest's globalSetup loads these without moduleNameMapper, so `@gridproof/influx` does not
    // resolve there: the test infrastructure imports the influx launcher by path.
    files: ['libs/testing/src/global-setup.ts', 'libs/testing/src/influxd.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [DEEP_SPECIFIER] }] },
  },
  {
    files: ['libs/**/*.spec.ts', 'libs/**/testing/**/*.ts', 'libs/testing/**/*.ts', 'libs/**/*.scenarios.ts'],
    rules: { 'import-x/no-cycle': 'off' },
  },
);
