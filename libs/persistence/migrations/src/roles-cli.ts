import { parseArgs } from 'node:util';
import { z } from 'zod';
import { databaseEnv, loadConfig, secret } from '@scep/config';
import { SERVICE_ROLE_SUFFIXES, type ServiceRoleSuffix, applyServiceRoles, checkRolePrefix, serviceRoleStatements } from './roles';

/**
 * `npm run db:roles -- --prefix <prefix> [--print]`: creates or updates one LOGIN role per service with exactly its
 * grants (docs/operations/least-privilege.md). Run by the migration owner (DATABASE_URL), after `npm run migrate`, on
 * every upgrade. DB_ROLE_PASSWORD_<GATEWAY|POLICY|CHALLENGE|SIGNER|ADMIN> (or *_FILE) set that role's password;
 * a role without one keeps its password (or has none, for certificate or IAM authentication). --print writes the
 * statements instead of running them (passwords left out).
 */
const passwordVariable = (suffix: ServiceRoleSuffix) => `DB_ROLE_PASSWORD_${suffix.toUpperCase()}`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { prefix: { type: 'string' }, print: { type: 'boolean', default: false } }, strict: true });
  if (!values.prefix) throw new Error('--prefix <prefix> is required (roles are <prefix>_gateway, <prefix>_policy, ...)');
  const prefix = checkRolePrefix(values.prefix);
  const config = loadConfig(
    z.object({
      DATABASE_URL: databaseEnv.DATABASE_URL,
      ...Object.fromEntries(SERVICE_ROLE_SUFFIXES.map((suffix) => [passwordVariable(suffix), secret(z.string().optional())])),
    }),
  );
  if (values.print) {
    const database = decodeURIComponent(new URL(config.DATABASE_URL).pathname.slice(1));
    for (const statement of serviceRoleStatements(prefix, { database })) console.log(`${statement};`);
    return;
  }
  const passwords: Partial<Record<ServiceRoleSuffix, string>> = {};
  for (const suffix of SERVICE_ROLE_SUFFIXES) {
    const password = (config as Record<string, unknown>)[passwordVariable(suffix)];
    if (typeof password === 'string') passwords[suffix] = password;
  }
  for (const role of await applyServiceRoles(config.DATABASE_URL, prefix, passwords)) {
    console.log(`db:roles: ${role.role}: grants applied${role.passwordSet ? ', password set' : ''}`);
  }
}

main().catch((error: unknown) => {
  console.error(`db:roles: failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
