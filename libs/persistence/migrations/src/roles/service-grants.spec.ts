import { MANAGED_SCHEMAS, SERVICE_ROLES, SERVICE_ROLE_SUFFIXES } from './service-grants';
import { serviceRoleStatements } from './service-role-statements';
import { scramSha256Verifier } from './scram-verifier';

const grantsOf = (suffix: (typeof SERVICE_ROLE_SUFFIXES)[number]) => SERVICE_ROLES[suffix].grants;

describe('database grants declared per service', () => {
  it('lets only a schema owner write to it', () => {
    for (const suffix of SERVICE_ROLE_SUFFIXES) {
      for (const grant of grantsOf(suffix)) {
        const writes = grant.privileges.some((p) => p !== 'SELECT');
        if (writes) expect({ suffix, table: grant.table, owner: SERVICE_ROLES[suffix].owns }).toEqual({ suffix, table: grant.table, owner: grant.table.split('.')[0] });
      }
    }
  });

  it('gives each schema exactly one owner', () => {
    expect(SERVICE_ROLE_SUFFIXES.map((s) => SERVICE_ROLES[s].owns).filter(Boolean).sort()).toEqual([...MANAGED_SCHEMAS].sort());
  });

  it('gives the gateway SELECT only, and none on CA keys, API keys, challenges or enrollments', () => {
    for (const grant of grantsOf('gateway')) {
      expect(grant.privileges).toEqual(['SELECT']);
      expect(grant.table).not.toMatch(/^(challenge|enrollment)\.|^issuance\.ca_keys$|^tenancy\.api_keys$/);
    }
  });

  it('lets only the signer near issuance.ca_keys', () => {
    const holders = SERVICE_ROLE_SUFFIXES.filter((s) => grantsOf(s).some((g) => g.table === 'issuance.ca_keys'));
    expect(holders).toEqual(['signer']);
  });

  it('limits column grants to SELECT, and reads of challenge settings to the mode', () => {
    for (const suffix of SERVICE_ROLE_SUFFIXES) {
      for (const grant of grantsOf(suffix)) {
        if (grant.columns) expect(grant.privileges).toEqual(['SELECT']);
        if (grant.table === 'challenge.profile_settings' && suffix !== 'challenge') expect(grant.columns).toEqual(['tenant_id', 'profile_id', 'mode']);
      }
    }
  });

  it('writes statements that revoke before they grant, per role', () => {
    const statements = serviceRoleStatements('scep', { database: 'scep' });
    const gateway = statements.filter((s) => s.includes('"scep_gateway"'));
    expect(gateway[0]).toMatch(/CREATE ROLE "scep_gateway" LOGIN/);
    expect(gateway.findIndex((s) => s.startsWith('REVOKE ALL ON ALL TABLES'))).toBeLessThan(gateway.findIndex((s) => s.startsWith('GRANT SELECT')));
    expect(gateway).toContain('GRANT SELECT ON TABLE "tenancy"."profiles" TO "scep_gateway"');
    expect(statements).toContain('GRANT SELECT ("tenant_id", "profile_id", "mode") ON TABLE "challenge"."profile_settings" TO "scep_policy"');
    expect(statements.some((s) => /PASSWORD/.test(s))).toBe(false);
  });

  it('sets a password only as a SCRAM verifier, and refuses prefixes that are not plain identifiers', () => {
    const verifier = scramSha256Verifier('a-password-of-24-chars!!');
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    const statements = serviceRoleStatements('scep', { database: 'scep', verifiers: { signer: verifier } });
    expect(statements).toContain(`ALTER ROLE "scep_signer" WITH PASSWORD '${verifier}'`);
    expect(statements.join('\n')).not.toContain('a-password-of-24-chars!!');
    for (const prefix of ['Scep', 'scep;drop', 'a'.repeat(42), '', '1scep']) expect(() => serviceRoleStatements(prefix, { database: 'scep' })).toThrow(/prefix/);
    expect(() => scramSha256Verifier('short')).toThrow(/16 to 128/);
    expect(() => scramSha256Verifier('with a space in it ok')).toThrow(/printable/);
  });
});
