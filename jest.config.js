// One jest run covers every tier: unit (*.spec.ts) and integration/e2e (*.int.spec.ts).
// Integration suites start their own servers (see libs/testing) on free ports.

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/firmware-sim', '<rootDir>/dashboards', '<rootDir>/bench'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // aedes 1.x is ESM-only; jest on Node 20 cannot require() ESM, so swc compiles it to CommonJS
  // for tests like our own code (plain Node 20.20 loads it with require(esm) in production).
  transformIgnorePatterns: ['/node_modules/(?!aedes/)'],
  moduleNameMapper: {
    '^@gridproof/firmware-sim$': '<rootDir>/firmware-sim/src',
    '^@gridproof/([^/]+)$': '<rootDir>/libs/$1/src',
  },
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  reporters: ['default', '<rootDir>/libs/testing/src/summary-reporter.js'],
  testTimeout: 60_000,
  // No forceExit: every suite closes what it opens, so a run ends by itself (checked twice on
  // the full suite, 2026-11-21). A suite that leaks a handle shows up as a worker Jest has to
  // force-exit, with its warning; find it with --detectOpenHandles.
  maxWorkers: 2,
};
