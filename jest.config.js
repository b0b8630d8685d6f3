/** Transpile-only ts-jest: type checking is done once by `npm run typecheck`. */
module.exports = {
  // The node environment, with a temp directory of each test file's own, removed when it ends.
  testEnvironment: '<rootDir>/test/private-tmpdir-environment.js',
  // Not in the shared temp directory: a test run leaves it as it found it.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Prefer sources over the build output that sits beside them.
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }],
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // Empties the record of the emulator's HTTP exchanges (see test/setup-env.ts).
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 60000,
};
