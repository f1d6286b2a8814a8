// Shared Jest settings: ts-jest in transpile-only mode (type checking is `npm run typecheck`),
// path aliases resolved by Nx's resolver from tsconfig.base.json.
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  coverageReporters: ['text-summary'],
  // Thin libraries (entities, read models) are exercised through their consumers' integration tests.
  passWithNoTests: true,
};
