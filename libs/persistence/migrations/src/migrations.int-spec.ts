import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { commentOnDatabase, databaseComment, dropDatabase, ensureDatabase } from './database-admin';
import { migrationHistory } from './migration-history';
import { runMigrations } from './run-migrations';
import { TEST_ADMIN_URL, createMigratedTestDatabase } from './test-database.int';

const createTestDatabase = () => createMigratedTestDatabase('mig');
type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

describe('migration history (real PostgreSQL)', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase(); // applies the whole history once
    client = new Client({ connectionString: db.url });
    await client.connect();
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await runMigrations(db.url)).toEqual([]);
  });

  it('creates one schema per owner', async () => {
    const { rows } = await client.query(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('tenancy','challenge','enrollment','issuance') ORDER BY 1, 2`);
    expect(rows.map((r) => `${r.table_schema}.${r.table_name}`)).toEqual([
      'challenge.dynamic_challenges',
      'challenge.intune_connections',
      'challenge.intune_notifications',
      'challenge.profile_settings',
      'challenge.static_challenges',
      'enrollment.profile_policies',
      'enrollment.transactions',
      'issuance.ca_keys',
      'issuance.certificate_authorities',
      'issuance.certificates',
      'issuance.crls',
      'issuance.ocsp_responders',
      'issuance.ra_credentials',
      'tenancy.api_keys',
      'tenancy.profiles',
      'tenancy.tenants',
    ]);
  });

  it('gives every tenant-data table a tenant_id (tenants itself is the tenant; api keys may be platform-wide)', async () => {
    const { rows } = await client.query(
      `SELECT t.table_schema || '.' || t.table_name AS name, c.is_nullable
         FROM information_schema.tables t
         LEFT JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'tenant_id'
        WHERE t.table_schema IN ('tenancy','challenge','enrollment','issuance') AND t.table_name <> 'tenants'`,
    );
    for (const row of rows) {
      expect({ table: row.name, hasTenantId: row.is_nullable !== null }).toEqual({ table: row.name, hasTenantId: true });
      if (row.name !== 'tenancy.api_keys') expect({ table: row.name, nullable: row.is_nullable }).toEqual({ table: row.name, nullable: 'NO' });
    }
  });

  it('allows one live transaction per (tenant, profile, transactionID), and a new one once the old is superseded', async () => {
    const [tenant, profile] = [randomUUID(), randomUUID()];
    const insert = (id: string) =>
      client.query(
        `INSERT INTO enrollment.transactions (id, tenant_id, profile_id, transaction_id, message_type, status, csr_der, csr_fingerprint, key_fingerprint, signer_fingerprint, subject, request_cipher, request_digest)
         VALUES ($1, $2, $3, 'TX1', 19, 'queued', '\\x00', 'f', 'k', 's', 'CN=x', 'aes-128-cbc', 'sha256')`,
        [id, tenant, profile],
      );
    const first = randomUUID();
    await insert(first);
    await expect(insert(randomUUID())).rejects.toMatchObject({ code: '23505' });
    await client.query(`UPDATE enrollment.transactions SET superseded_at = now() WHERE id = $1`, [first]);
    await expect(insert(randomUUID())).resolves.toBeDefined();
  });

  it('refuses an issued transaction without a certificate and an active profile without an RA', async () => {
    await expect(
      client.query(
        `INSERT INTO enrollment.transactions (id, tenant_id, profile_id, transaction_id, message_type, status, csr_der, csr_fingerprint, key_fingerprint, signer_fingerprint, subject, request_cipher, request_digest)
         VALUES ($1, $2, $2, 'TX2', 19, 'issued', '\\x00', 'f', 'k', 's', 'CN=x', 'aes-128-cbc', 'sha256')`,
        [randomUUID(), randomUUID()],
      ),
    ).rejects.toMatchObject({ code: '23514' });
    const tenant = randomUUID();
    await client.query(`INSERT INTO tenancy.tenants (id, slug, display_name) VALUES ($1, $2, 'x')`, [tenant, `t${tenant.slice(0, 8)}`]);
    await expect(
      client.query(`INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, validity_days, sync_wait_ms) VALUES ($1, $2, 'p', 'active', $1, 1, 0)`, [randomUUID(), tenant]),
    ).rejects.toMatchObject({ code: '23514' });
  });

  it('keeps profiles that existed before the hardening working: explicit SAN rules, single DES still accepted', async () => {
    const ds = new DataSource({ type: 'postgres', url: db.url, migrations: migrationHistory, migrationsTableName: 'schema_migrations' });
    await ds.initialize();
    const tenantId = randomUUID();
    const [before, after, ruled] = [randomUUID(), randomUUID(), randomUUID()];
    try {
      // Back to just before the hardening (later migrations first).
      for (;;) {
        const { rows } = await client.query(`SELECT name FROM schema_migrations ORDER BY id DESC LIMIT 1`);
        await ds.undoLastMigration({ transaction: 'each' });
        if (rows[0]?.name === 'Hardening1765152000000') break;
      }
      await client.query(`INSERT INTO tenancy.tenants (id, slug, display_name) VALUES ($1, $2, 'Old')`, [tenantId, `old-${tenantId.slice(0, 8)}`]);
      const profile = `INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, validity_days, sync_wait_ms) VALUES ($1, $2, $3, 'provisioning', gen_random_uuid(), 365, 0)`;
      await client.query(profile, [before, tenantId, 'legacy']);
      await client.query(profile, [ruled, tenantId, 'ruled']);
      await client.query(`INSERT INTO enrollment.profile_policies (id, tenant_id, profile_id, version, rules, created_by) VALUES (gen_random_uuid(), $1, $2, 1, '{"keys": {}}', 'operator')`, [tenantId, ruled]);
    } finally {
      await ds.destroy();
    }
    await runMigrations(db.url);
    await client.query(`INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, validity_days, sync_wait_ms) VALUES ($1, $2, 'fresh', 'provisioning', gen_random_uuid(), 365, 0)`, [after, tenantId]);
    const { rows: policies } = await client.query(`SELECT profile_id, version, rules FROM enrollment.profile_policies WHERE tenant_id = $1 ORDER BY profile_id`, [tenantId]);
    // The profile without rules gets version 1 naming the four SAN types it allowed implicitly; rules an operator
    // stored are left alone (they were stored complete); a profile created afterwards gets nothing.
    expect(policies.filter((p) => p.profile_id === before)).toEqual([
      { profile_id: before, version: 1, rules: { subjectAltNames: { dns: { allowed: true }, email: { allowed: true }, uri: { allowed: true }, ip: { allowed: true } } } },
    ]);
    expect(policies.filter((p) => p.profile_id === ruled)).toEqual([{ profile_id: ruled, version: 1, rules: { keys: {} } }]);
    expect(policies.filter((p) => p.profile_id === after)).toEqual([]);
    const { rows: ciphers } = await client.query(`SELECT id, content_ciphers FROM tenancy.profiles WHERE tenant_id = $1`, [tenantId]);
    expect(ciphers.find((c) => c.id === before)?.content_ciphers).toContain('des-cbc');
    expect(ciphers.find((c) => c.id === after)?.content_ciphers).not.toContain('des-cbc');
    await client.query(`DELETE FROM enrollment.profile_policies WHERE tenant_id = $1`, [tenantId]);
    await client.query(`DELETE FROM tenancy.profiles WHERE tenant_id = $1`, [tenantId]);
    await client.query(`DELETE FROM tenancy.tenants WHERE id = $1`, [tenantId]);
  });

  it('rolls the whole history back cleanly (down) and forward again', async () => {
    const ds = new DataSource({ type: 'postgres', url: db.url, migrations: migrationHistory, migrationsTableName: 'schema_migrations' });
    await ds.initialize();
    try {
      for (let i = 0; i < migrationHistory.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name IN ('tenancy','challenge','enrollment','issuance')`);
      expect(rows[0].n).toBe(0);
    } finally {
      await ds.destroy();
    }
    expect(await runMigrations(db.url)).toEqual(migrationHistory.map((m) => m.name));
  });
});

describe('database labels (what npm start uses to tell its dev database apart)', () => {
  it('reads no comment, then the one set (quotes escaped), and nothing once the database is gone', async () => {
    const url = new URL(TEST_ADMIN_URL);
    url.pathname = `/scep_label_${process.pid}_${randomBytes(4).toString('hex')}`;
    await ensureDatabase(url.toString());
    try {
      expect(await databaseComment(url.toString())).toBeNull();
      await commentOnDatabase(url.toString(), "scep-dev secrets 0123abcd'; DROP DATABASE postgres; --");
      expect(await databaseComment(url.toString())).toBe("scep-dev secrets 0123abcd'; DROP DATABASE postgres; --");
    } finally {
      await dropDatabase(url.toString());
    }
    expect(await databaseComment(url.toString())).toBeUndefined();
  });
});
