import { Client } from 'pg';
import { SERVICE_ROLE_SUFFIXES, type ServiceRoleSuffix, serviceRoleName } from './service-grants';
import { checkRolePrefix, serviceRoleStatements } from './service-role-statements';
import { scramSha256Verifier } from './scram-verifier';

/** Serialises concurrent runs (two migration jobs of one rollout): CREATE ROLE races otherwise. */
const ROLES_LOCK = 0x5ce9_0009;

export interface AppliedRole {
  readonly suffix: ServiceRoleSuffix;
  readonly role: string;
  readonly passwordSet: boolean;
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/**
 * Creates or updates the service roles `<prefix>_gateway`, `_policy`, `_challenge`, `_signer` and `_admin` in the
 * database at `url` (connected as the migration owner, after the migrations): each can log in and holds exactly its
 * declared grants (service-grants.ts). Passwords given are set (as SCRAM verifiers); roles without one keep theirs.
 * One transaction: a failure changes nothing.
 */
export async function applyServiceRoles(url: string, prefix: string, passwords: Partial<Record<ServiceRoleSuffix, string>> = {}): Promise<AppliedRole[]> {
  checkRolePrefix(prefix);
  const verifiers = Object.fromEntries(Object.entries(passwords).map(([suffix, password]) => [suffix, scramSha256Verifier(password as string)]));
  const statements = serviceRoleStatements(prefix, { database: databaseOf(url), verifiers });
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [ROLES_LOCK]);
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return SERVICE_ROLE_SUFFIXES.map((suffix) => ({ suffix, role: serviceRoleName(prefix, suffix), passwordSet: Boolean(passwords[suffix]) }));
}

/**
 * Drops the service roles of `prefix` (tests: roles are cluster-wide). Their privileges in the database at `url`
 * go first (DROP OWNED); a role still granted something in another database is left for that database's owner.
 */
export async function dropServiceRoles(url: string, prefix: string): Promise<void> {
  checkRolePrefix(prefix);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const suffix of SERVICE_ROLE_SUFFIXES) {
      const role = serviceRoleName(prefix, suffix);
      const exists = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
      if (!exists.rowCount) continue;
      await client.query(`DROP OWNED BY "${role}"`);
      await client.query(`DROP ROLE "${role}"`);
    }
  } finally {
    await client.end();
  }
}

/** The database URL a service connects with: the owner's URL with the service role (and its password) instead. */
export function databaseUrlAs(url: string, role: string, password?: string): string {
  const as = new URL(url);
  as.username = encodeURIComponent(role);
  as.password = password ? encodeURIComponent(password) : '';
  return as.toString();
}
