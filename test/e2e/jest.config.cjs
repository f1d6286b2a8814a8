module.exports = {
  displayName: 'e2e',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  testTimeout: 240_000,
  // Real processes and real clients: one file at a time, each with its own isolated stack.
  maxWorkers: 1,
};
