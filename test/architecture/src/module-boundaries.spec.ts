import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createProjectGraphAsync } from '@nx/devkit';

/**
 * The architecture's key-custody and data-ownership rules are lint rules (eslint.config.mjs). These tests lint probe
 * files placed inside real projects and check that forbidden imports are errors — a rule that silently stopped
 * working would make them fail.
 */
const root = path.resolve(__dirname, '..', '..', '..');

beforeAll(async () => {
  process.env.NX_DAEMON = 'false';
  await createProjectGraphAsync({ exitOnError: false }); // the Nx rule reads the cached project graph
}, 120_000);

/** Lints `source` as if it were a file in `probeDir`, with the real ESLint CLI and the workspace config. */
async function boundaryErrors(probeDir: string, source: string): Promise<string[]> {
  // *.spec.ts probes skip the type-aware rules (the file does not exist on disk) but keep the boundary rule.
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', path.join(root, probeDir, 'boundary-probe.spec.ts'), '--format', 'json'],
    { cwd: root, input: source, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' }, timeout: 120_000 },
  );
  const reports = JSON.parse(result.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return reports.flatMap((r) => r.messages).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  it.each([
    ['@scep/ca-keystore', 'CA key custody'],
    ['@scep/persistence-issuance', "the signer's tables"],
    ['@scep/persistence-enrollment', "the policy service's tables"],
    ['@scep/persistence-challenge', "the challenge service's tables"],
    ['@scep/persistence-tenancy', "the admin API's tables"],
  ])('the gateway cannot import %s (%s)', async (lib) => {
    const errors = await boundaryErrors('apps/scep-gateway/src', `import * as x from '${lib}';\nexport default x;\n`);
    expect(errors.join('\n')).toMatch(/scope:gateway/);
  });

  // The internet-facing gateway is assumed compromised: it must have no way to put work on a queue or approve a plan
  // (docs/adr/007-enrollment-path-v2.md).
  it.each([
    ['@scep/queues', 'scope:gateway'],
    ['@scep/signing-approval', 'scope:gateway'],
    ['bullmq', 'bullmq'],
    ['@nestjs/bullmq', '@nestjs/bullmq'],
    ['ioredis', 'ioredis'],
  ])('the gateway cannot import %s (no queue, no Redis, no signing approvals)', async (lib, message) => {
    const errors = await boundaryErrors('apps/scep-gateway/src', `import * as x from '${lib}';\nexport default x;\n`);
    expect(errors.join('\n')).toContain(message);
  });

  it.each(['apps/admin-api/src', 'apps/challenge-service/src'])('only the policy service and the signer may import the signing approval key code (%s may not)', async (dir) => {
    const errors = await boundaryErrors(dir, `import * as x from '@scep/signing-approval';\nexport default x;\n`);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('the policy service and the signer may import the signing approval key code', async () => {
    for (const dir of ['apps/policy-service/src', 'apps/signer-worker/src']) {
      expect(await boundaryErrors(dir, `import { signApproval } from '@scep/signing-approval';\nexport default signApproval;\n`)).toEqual([]);
    }
  });

  it('the admin API cannot import CA key custody', async () => {
    const errors = await boundaryErrors('apps/admin-api/src', `import * as x from '@scep/ca-keystore';\nexport default x;\n`);
    expect(errors.join('\n')).toMatch(/scope:admin/);
  });

  it('the pure codec cannot import infrastructure', async () => {
    const errors = await boundaryErrors('libs/scep-codec/src', `import { Injectable } from '@nestjs/common';\nexport default Injectable;\n`);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('contracts import only zod', async () => {
    const errors = await boundaryErrors('libs/contracts/src', `import { Queue } from 'bullmq';\nexport default Queue;\n`);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('allowed imports stay allowed (the rules are not simply "deny all")', async () => {
    const errors = await boundaryErrors('apps/scep-gateway/src', `import { ScepEndpointReader } from '@scep/persistence-read';\nimport { buildCertRep } from '@scep/codec';\nexport default [ScepEndpointReader, buildCertRep];\n`);
    expect(errors).toEqual([]);
  });
});
