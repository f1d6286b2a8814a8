// Lint rules that guard the architecture (module boundaries, key custody) and
// catch async and exhaustiveness mistakes. See docs/adr/002-boundaries-and-data-ownership.md.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const pureBanned = ['@nestjs/*', 'typeorm', 'bullmq', 'ioredis', 'pg', 'nats', 'pino', '@opentelemetry/*'];
const gatewayBanned = ['bullmq', '@nestjs/bullmq', 'bullmq-otel', 'ioredis'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/coverage', '**/*.cjs', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // --- scope: who may use whose code and tables ---
            // The internet-facing gateway: no queue, no Redis, no signing approvals (assume it is compromised).
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:testing', 'scope:gateway', 'scope:shared'], bannedExternalImports: gatewayBanned },
            { sourceTag: 'scope:challenge', onlyDependOnLibsWithTags: ['scope:testing', 'scope:challenge', 'scope:queues', 'scope:shared'] },
            // Policy and signer alone share the key that approves a signing plan (docs/adr/007-enrollment-path-v2.md).
            { sourceTag: 'scope:policy', onlyDependOnLibsWithTags: ['scope:testing', 'scope:policy', 'scope:approval', 'scope:queues', 'scope:shared'] },
            { sourceTag: 'scope:signer', onlyDependOnLibsWithTags: ['scope:testing', 'scope:signer', 'scope:approval', 'scope:queues', 'scope:shared'] },
            { sourceTag: 'scope:admin', onlyDependOnLibsWithTags: ['scope:testing', 'scope:admin', 'scope:queues', 'scope:shared'] },
            { sourceTag: 'scope:ops', onlyDependOnLibsWithTags: ['scope:testing', 'scope:ops', 'scope:shared'] },
            { sourceTag: 'scope:approval', onlyDependOnLibsWithTags: ['scope:testing', 'scope:approval', 'scope:shared'] },
            { sourceTag: 'scope:queues', onlyDependOnLibsWithTags: ['scope:testing', 'scope:queues', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:testing', 'scope:shared'] },
            { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:testing', 'scope:shared', 'scope:queues', 'scope:ops'] },
            // --- type: layering ---
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:testing', 'type:data', 'type:infra', 'type:pure', 'type:contracts'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:testing', 'type:infra', 'type:pure', 'type:contracts'] },
            { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:testing', 'type:data', 'type:infra', 'type:pure', 'type:contracts'] },
            { sourceTag: 'type:pure', onlyDependOnLibsWithTags: ['type:pure'], bannedExternalImports: pureBanned },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], allowedExternalImports: ['zod'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:data', 'type:infra', 'type:pure', 'type:contracts'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.int.ts', '**/*.e2e-spec.ts', '**/__fixtures__/**', '**/test-support/**', 'libs/testing/**', 'test/**', 'tools/**'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Test helpers are for specs only (scope:testing is reachable from every scope for that reason).
      'no-restricted-imports': ['error', { patterns: [{ group: ['@scep/testing'], message: 'test helpers are for *.spec.ts / *.int-spec.ts only' }] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through @scep/config (libs/config), never process.env directly.',
        },
      ],
    },
  },
  {
    files: ['libs/config/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
];
