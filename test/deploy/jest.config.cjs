// Offline checks of the Helm chart, the observability artefacts, docker-compose.yml and the Dockerfile.
module.exports = {
  displayName: 'deploy-tests',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // helm, promtool and the TypeScript checker each take a few seconds on a shared 2-core machine.
  testTimeout: 120_000,
};
