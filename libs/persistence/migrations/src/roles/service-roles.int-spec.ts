import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ChallengeModeReader, IssuedCertificateReader, ProfileSettingsReader, ScepEndpointReader } from '@scep/persistence-read';
import { createMigratedTestDatabase } from '../test-database.int';
import { MANAGED_SCHEMAS, SERVICE_ROLES, SERVICE_ROLE_SUFFIXES, type ServiceRoleSuffix, type TablePrivilege, serviceRoleName } from './service-grants';
import { scramSha256Verifier } from './scram-verifier';
import { applyServiceRoles, databaseUrlAs, dropServiceRoles } from './service-roles';

/**
 * The service roles in a real PostgreSQL, in a database of this run after the whole migration history. Roles are
 * cluster-wide: a prefix unique to the run, dropped at the end.
 */
const prefix = `lp${process.pid}_${randomBytes(3).toString('hex')}`;
const role = (suffix: ServiceRoleSuffix) => serviceRoleName(prefix, suffix);
const PRIVILEGES: TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

let db: Awaited<ReturnType<typeof createMigratedTestDatabase>>;
let owner: Client;
const clients: Client[] = [];

/** A connection as the service role (the machine's PostgreSQL trusts loopback: the role is what matters here). */
async function connectAs(suffix: ServiceRoleSuffix): Promise<Client> {
  const client = new Client({ connectionString: databaseUrlAs(db.url, role(suffix)) });
  await client.connect();
  clients.push(client);
  return client;
}

/** The SQLSTATE a statement fails with (undefined: it ran). */
async function sqlState(client: Client, sql: string, values: unknown[] = []): Promise<string | undefined> {
  try {
    await client.query(sql, values);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}
const PERMISSION_DENIED = '42501';

const ids = { tenant: randomUUID(), ca: randomUUID(), ra: randomUUID(), profile: randomUUID() };

beforeAll(async () => {
  db = await createMigratedTestDatabase('roles');
  owner = new Client({ connectionString: db.url });
  await owner.connect();
  // One tenant with a CA (and its key), an RA, an active profile and a static challenge, written as the owner.
  await owner.query(`INSERT INTO tenancy.tenants (id, slug, display_name) VALUES ($1, 'acme', 'Acme')`, [ids.tenant]);
  await owner.query(
    `INSERT INTO issuance.certificate_authorities (id, tenant_id, name, subject, certificate_der, key_spec, not_before, not_after)
     VALUES ($1, $2, 'acme-ca', 'CN=Acme CA', '\\x3000'::bytea, 'rsa-2048', now(), now() + interval '1 year')`,
    [ids.ca, ids.tenant],
  );
  await owner.query(`INSERT INTO issuance.ca_keys (ca_id, tenant_id, kek_id, wrapped_key) VALUES ($1, $2, 'kek-1', '\\x00'::bytea)`, [ids.ca, ids.tenant]);
  await owner.query(
    `INSERT INTO issuance.ra_credentials (id, tenant_id, ca_id, certificate_der, kek_id, wrapped_key, not_after)
     VALUES ($1, $2, $3, '\\x3001'::bytea, 'ra-kek-1', '\\x01'::bytea, now() + interval '1 year')`,
    [ids.ra, ids.tenant, ids.ca],
  );
  await owner.query(
    `INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, ra_credential_id, validity_days, sync_wait_ms)
     VALUES ($1, $2, 'laptops', 'active', $3, $4, 30, 0)`,
    [ids.profile, ids.tenant, ids.ca, ids.ra],
  );
  await owner.query(`INSERT INTO challenge.profile_settings (tenant_id, profile_id, mode) VALUES ($1, $2, 'static')`, [ids.tenant, ids.profile]);
  await owner.query(`INSERT INTO challenge.static_challenges (id, tenant_id, profile_id, secret_hash) VALUES ($1, $2, $3, '\\x02'::bytea)`, [randomUUID(), ids.tenant, ids.profile]);
  await applyServiceRoles(db.url, prefix);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  if (db) await dropServiceRoles(db.url, prefix);
  await owner?.end();
  await db?.drop();
});

describe('service roles (real PostgreSQL, after the migration history)', () => {
  it('declares every table of the managed schemas, and only tables that exist; no sequences to grant', async () => {
    const { rows } = await owner.query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema = ANY($1) ORDER BY 1`,
      [MANAGED_SCHEMAS],
    );
    const declared = new Set(SERVICE_ROLE_SUFFIXES.flatMap((s) => SERVICE_ROLES[s].grants.map((g) => g.table)));
    // A table a migration adds is reachable by nobody until service-grants.ts names who may use it.
    expect(rows.map((r) => r.name).filter((t) => !declared.has(t as never))).toEqual([]);
    expect([...declared].filter((t) => !rows.some((r) => r.name === t))).toEqual([]);
    const sequences = await owner.query(`SELECT sequence_schema, sequence_name FROM information_schema.sequences WHERE sequence_schema = ANY($1)`, [MANAGED_SCHEMAS]);
    expect(sequences.rows).toEqual([]);
  });

  it('holds in the catalog exactly the declared table privileges, per role, table and privilege', async () => {
    const { rows: tables } = await owner.query<{ name: string }>(`SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema = ANY($1)`, [MANAGED_SCHEMAS]);
    const differences: string[] = [];
    for (const suffix of SERVICE_ROLE_SUFFIXES) {
      for (const { name } of tables) {
        const grant = SERVICE_ROLES[suffix].grants.find((g) => g.table === name);
        for (const privilege of PRIVILEGES) {
          const { rows } = await owner.query<{ has: boolean }>(`SELECT has_table_privilege($1, $2, $3) AS has`, [role(suffix), name, privilege]);
          const expected = Boolean(grant && !grant.columns && grant.privileges.includes(privilege));
          if (rows[0]?.has !== expected) differences.push(`${suffix} ${privilege} ${name}: ${rows[0]?.has}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });

  describe('the gateway role', () => {
    let gateway: Client;
    beforeAll(async () => {
      gateway = await connectAs('gateway');
    });

    it('reads its endpoint read-model (the ScepEndpointReader the gateway runs) and issued certificates', async () => {
      const dataSource = new DataSource({ type: 'postgres', url: databaseUrlAs(db.url, role('gateway')), entities: [] });
      await dataSource.initialize();
      try {
        const endpoint = await new ScepEndpointReader(dataSource).find('acme', 'laptops');
        expect(endpoint).toMatchObject({ tenantId: ids.tenant, profileId: ids.profile, status: 'active', generations: { current: { caId: ids.ca, raCredentialId: ids.ra, raKekId: 'ra-kek-1' } } });
        expect(await new IssuedCertificateReader(dataSource).findBySerial(ids.tenant, ids.ca, '01')).toBeUndefined();
      } finally {
        await dataSource.destroy();
      }
    });

    it.each([
      ['change a profile', `UPDATE tenancy.profiles SET sync_wait_ms = 1`],
      ['read CA private keys', `SELECT wrapped_key FROM issuance.ca_keys`],
      ['read static challenge hashes', `SELECT secret_hash FROM challenge.static_challenges`],
      ['read challenge settings', `SELECT mode FROM challenge.profile_settings`],
      ['read API key hashes', `SELECT secret_hash FROM tenancy.api_keys`],
      ['read enrollments', `SELECT csr_der FROM enrollment.transactions`],
      [
        'record an enrollment',
        `INSERT INTO enrollment.transactions (id, tenant_id, profile_id, transaction_id, message_type, status, csr_der, csr_fingerprint, key_fingerprint,
           signer_fingerprint, subject, request_cipher, request_digest) VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 't', 19, 'queued', '\\x00', 'f', 'f', 'f', 'CN=x', 'aes', 'sha256')`,
      ],
      ['issue a certificate row', `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der) SELECT gen_random_uuid(), tenant_id, id, id, id, '01', 'CN=x', now(), now(), '\\x00' FROM issuance.certificate_authorities`],
      ['create a table', `CREATE TABLE tenancy.mine (x int)`],
    ])('cannot %s: permission denied', async (_what, sql) => {
      expect(await sqlState(gateway, sql)).toBe(PERMISSION_DENIED);
    });
  });

  it('lets the signer, and only the signer, read CA keys', async () => {
    const signer = await connectAs('signer');
    expect((await signer.query(`SELECT kek_id FROM issuance.ca_keys WHERE ca_id = $1`, [ids.ca])).rows).toEqual([{ kek_id: 'kek-1' }]);
    expect(await sqlState(signer, `SELECT secret_hash FROM tenancy.api_keys`)).toBe(PERMISSION_DENIED);
    for (const suffix of ['policy', 'challenge', 'admin'] as const) {
      expect({ suffix, state: await sqlState(await connectAs(suffix), `SELECT 1 FROM issuance.ca_keys`) }).toEqual({ suffix, state: PERMISSION_DENIED });
    }
  });

  it("lets the policy service and the admin API read a profile's challenge mode (their read-models) but not its webhook secret", async () => {
    for (const suffix of ['policy', 'admin'] as const) {
      const dataSource = new DataSource({ type: 'postgres', url: databaseUrlAs(db.url, role(suffix)), entities: [] });
      await dataSource.initialize();
      try {
        if (suffix === 'policy') expect(await new ProfileSettingsReader(dataSource).find(ids.tenant, ids.profile)).toMatchObject({ challengeMode: 'static', validityDays: 30 });
        else expect(await new ChallengeModeReader(dataSource).modes(ids.tenant, [ids.profile])).toEqual(new Map([[ids.profile, 'static']]));
      } finally {
        await dataSource.destroy();
      }
      expect(await sqlState(await connectAs(suffix), `SELECT webhook_secret_wrapped FROM challenge.profile_settings`)).toBe(PERMISSION_DENIED);
    }
  });

  it('converges when applied again: what was granted by hand is taken back, a password is set as a verifier', async () => {
    await owner.query(`GRANT DELETE ON enrollment.transactions TO "${role('gateway')}"`);
    await owner.query(`GRANT SELECT (webhook_secret_wrapped) ON challenge.profile_settings TO "${role('policy')}"`);
    const applied = await applyServiceRoles(db.url, prefix, { signer: 'signer-password-0123456789' });
    expect(applied.find((r) => r.suffix === 'signer')).toEqual({ suffix: 'signer', role: role('signer'), passwordSet: true });
    const check = async (sql: string, values: unknown[]) => (await owner.query<{ has: boolean }>(sql, values)).rows[0]?.has;
    expect(await check(`SELECT has_table_privilege($1, 'enrollment.transactions', 'DELETE') AS has`, [role('gateway')])).toBe(false);
    expect(await check(`SELECT has_column_privilege($1, 'challenge.profile_settings', 'webhook_secret_wrapped', 'SELECT') AS has`, [role('policy')])).toBe(false);
    expect(await check(`SELECT has_column_privilege($1, 'challenge.profile_settings', 'mode', 'SELECT') AS has`, [role('policy')])).toBe(true);
    const stored = await owner.query<{ rolpassword: string }>(`SELECT rolpassword FROM pg_authid WHERE rolname = $1`, [role('signer')]);
    expect(stored.rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  it('computes the very verifier PostgreSQL computes for the same password and salt', async () => {
    const scratch = `${prefix}_scram`;
    const password = `Pw-${randomBytes(12).toString('base64url')}`;
    await owner.query(`CREATE ROLE "${scratch}"`);
    try {
      await owner.query(`SET password_encryption = 'scram-sha-256'`);
      await owner.query(`ALTER ROLE "${scratch}" PASSWORD '${password}'`); // PostgreSQL hashes it itself here
      const { rows } = await owner.query<{ rolpassword: string }>(`SELECT rolpassword FROM pg_authid WHERE rolname = $1`, [scratch]);
      const ours = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(rows[0]?.rolpassword ?? '');
      expect(ours).not.toBeNull();
      expect(scramSha256Verifier(password, Buffer.from(ours?.[2] ?? '', 'base64'), Number(ours?.[1]))).toBe(rows[0]?.rolpassword);
    } finally {
      await owner.query(`DROP ROLE "${scratch}"`);
    }
  });
});
