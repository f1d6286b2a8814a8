import { MANAGED_SCHEMAS, SERVICE_ROLES, SERVICE_ROLE_SUFFIXES, type ServiceRoleSuffix, type TableGrant, serviceRoleName } from './service-grants';

/** Role prefixes: role names are `<prefix>_<suffix>` and must stay plain identifiers within PostgreSQL's 63 bytes. */
const PREFIX = /^[a-z][a-z0-9_]{0,40}$/;

export function checkRolePrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) throw new Error('role prefix must match [a-z][a-z0-9_]{0,40}');
  return prefix;
}

/** A plain identifier, double-quoted (every name here is checked to be [A-Za-z0-9_] first: nothing to escape). */
function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return `"${name}"`;
}

function qualified(table: string): string {
  const [schema, name] = table.split('.');
  return `${ident(schema as string)}.${ident(name as string)}`;
}

function literal(text: string): string {
  if (/[\\']/.test(text)) throw new Error('unexpected quote in a literal');
  return `'${text}'`;
}

function grantStatement(grant: TableGrant, role: string): string {
  const privileges = grant.columns
    ? grant.privileges.map((p) => `${p} (${grant.columns?.map(ident).join(', ')})`).join(', ')
    : grant.privileges.join(', ');
  return `GRANT ${privileges} ON TABLE ${qualified(grant.table)} TO ${ident(role)}`;
}

export interface RoleStatementsOptions {
  /** The database the roles are granted CONNECT on (the platform's). */
  readonly database: string;
  /** SCRAM verifiers (scramSha256Verifier) of the roles whose password is set now; others keep theirs. */
  readonly verifiers?: Partial<Record<ServiceRoleSuffix, string>>;
}

/**
 * The statements that make each service role exist, able to log in, and hold exactly its declared grants on the
 * managed schemas: whatever it held there before is revoked first, so running them again after a change of the
 * declaration (or of the schema) converges. Meant to run in one transaction, by the migration owner.
 */
export function serviceRoleStatements(prefix: string, options: RoleStatementsOptions): string[] {
  checkRolePrefix(prefix);
  const schemas = MANAGED_SCHEMAS.map(ident).join(', ');
  const statements: string[] = [];
  for (const suffix of SERVICE_ROLE_SUFFIXES) {
    const role = serviceRoleName(prefix, suffix);
    const { grants } = SERVICE_ROLES[suffix];
    statements.push(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${literal(role)}) THEN CREATE ROLE ${ident(role)} LOGIN; END IF; END $$`,
      `ALTER ROLE ${ident(role)} WITH LOGIN NOCREATEDB NOCREATEROLE`,
    );
    const verifier = options.verifiers?.[suffix];
    if (verifier) statements.push(`ALTER ROLE ${ident(role)} WITH PASSWORD ${literal(verifier)}`);
    statements.push(
      // Table-level REVOKE also takes back column-level grants (PostgreSQL's REVOKE reference).
      `REVOKE ALL ON ALL TABLES IN SCHEMA ${schemas} FROM ${ident(role)}`,
      `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schemas} FROM ${ident(role)}`,
      `REVOKE ALL ON SCHEMA ${schemas} FROM ${ident(role)}`,
      `GRANT CONNECT ON DATABASE ${ident(options.database)} TO ${ident(role)}`,
    );
    const usedSchemas = [...new Set(grants.map((g) => g.table.split('.')[0] as string))];
    if (usedSchemas.length) statements.push(`GRANT USAGE ON SCHEMA ${usedSchemas.map(ident).join(', ')} TO ${ident(role)}`);
    for (const grant of grants) statements.push(grantStatement(grant, role));
  }
  return statements;
}
