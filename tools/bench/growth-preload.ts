/**
 * ════════════════════════════════════════════════════════════════════════════════════════════════════════════
 *  SCHEMA-DEPENDENT MODULE — the only code in tools/bench and tools/faults that knows table layouts to write.
 *  When enrollment.transactions or issuance.certificates change (libs/persistence/migrations), adapt the two
 *  column maps below (TRANSACTION_FILL, CERTIFICATE_FILL) and, if needed, preloadProfiles().
 * ════════════════════════════════════════════════════════════════════════════════════════════════════════════
 *
 * `--growth` preload: a year of history for the bench database — 1,000,000 enrollment transactions, each issued,
 * and their 1,000,000 certificates — written with set-based SQL (INSERT … SELECT … FROM generate_series, in batches),
 * so the measurement after it shows what table and index size does to an enrollment.
 *
 * Realistic sizes without realistic cost: certificate DER ~900 bytes and CSR DER ~700 bytes are random filler
 * (incompressible, like real DER: TOAST compression must not make the tables smaller than they would be), taken from
 * a pool of 1,024 random blobs and made distinct by 16 per-row bytes. Serials, ids and fingerprints are md5 of the
 * row number (distinct, stable), timestamps spread over the past year, rows spread over every active profile.
 *
 * Against the live schema: the insert lists are the known columns that exist; a column this module does not know is
 * left to its default or NULL, and one that has neither (NOT NULL, no default) stops the preload with its name —
 * that is the moment to add it here.
 */
import type { Client } from 'pg';

/** Rows per INSERT: large enough for set-based speed, small enough for steady WAL and memory. */
const BATCH_ROWS = 50_000;

/**
 * Expressions per column, over the row source of preloadSql(): s.g (row number), s.t0 (creation time), pr (the
 * profile: tenant_id, profile_id, ca_id), csr.b / der.b (random blobs), d.decision (a live decision as template).
 */
const SERIAL = `'4' || upper(substr(md5('growth-serial-' || s.g), 2))`;
const CERTIFICATE_DER = `der.b || decode(md5('growth-cert-' || s.g), 'hex')`;
const SUBJECT = `'CN=growth-device-' || s.g || ',O=growth-preload'`;
const TRANSACTION_UUID = `md5('growth-tx-' || s.g)::uuid`;
const fingerprint = (what: string) => `md5('growth-${what}-' || s.g) || md5('growth-${what}2-' || s.g)`;

const TRANSACTION_FILL: Record<string, string> = {
  id: TRANSACTION_UUID,
  tenant_id: 'pr.tenant_id',
  profile_id: 'pr.profile_id',
  transaction_id: `upper(md5('growth-tid-' || s.g))`,
  message_type: '19',
  status: `'issued'`,
  csr_der: `csr.b || decode(md5('growth-csr-' || s.g), 'hex')`,
  csr_fingerprint: fingerprint('csrfp'),
  key_fingerprint: fingerprint('keyfp'),
  signer_fingerprint: fingerprint('signerfp'),
  signer_certificate_fingerprint: fingerprint('signercertfp'),
  subject: SUBJECT,
  request_cipher: `'aes-128-cbc'`,
  request_digest: `'sha256'`,
  decision: 'd.decision',
  certificate_serial: SERIAL,
  certificate_der: CERTIFICATE_DER,
  issuing_ca_id: 'pr.ca_id',
  created_at: 's.t0',
  updated_at: `s.t0 + interval '1 second'`,
  completed_at: `s.t0 + interval '1 second'`,
};

const CERTIFICATE_FILL: Record<string, string> = {
  id: `md5('growth-cert-id-' || s.g)::uuid`,
  tenant_id: 'pr.tenant_id',
  ca_id: 'pr.ca_id',
  profile_id: 'pr.profile_id',
  enrollment_id: TRANSACTION_UUID,
  serial_hex: SERIAL,
  subject: SUBJECT,
  not_before: 's.t0',
  not_after: `s.t0 + interval '365 days'`,
  certificate_der: CERTIFICATE_DER,
  created_at: `s.t0 + interval '1 second'`,
};

/** Active profiles of the bench database (the preload spreads its rows over them). */
async function preloadProfiles(client: Client): Promise<number> {
  await client.query(`
    CREATE TEMP TABLE growth_profiles AS
      SELECT row_number() OVER (ORDER BY created_at, id) AS n, tenant_id, id AS profile_id, ca_id
      FROM tenancy.profiles WHERE status = 'active'`);
  const count = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM growth_profiles')).rows[0]?.n ?? 0);
  if (!count) throw new Error('growth preload: no active profile in tenancy.profiles');
  return count;
}

/** A decision as the live policy service records it (so jsonb sizes are real); '{}' when none exists yet. */
async function decisionTemplate(client: Client): Promise<void> {
  await client.query(`
    CREATE TEMP TABLE growth_decision AS
      SELECT coalesce((SELECT decision FROM enrollment.transactions WHERE status = 'issued' ORDER BY created_at DESC LIMIT 1), '{}'::jsonb) AS decision`);
}

/* ────────────────────────────── schema-agnostic mechanics below ────────────────────────────── */

interface LiveColumn {
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  readonly generated: boolean;
}

async function liveColumns(client: Client, schema: string, table: string): Promise<Map<string, LiveColumn>> {
  const { rows } = await client.query<{ column_name: string; is_nullable: string; column_default: string | null; is_identity: string; is_generated: string }>(
    `SELECT column_name, is_nullable, column_default, is_identity, is_generated
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`,
    [schema, table],
  );
  if (!rows.length) throw new Error(`growth preload: table ${schema}.${table} not found`);
  return new Map(
    rows.map((r) => [
      r.column_name,
      { nullable: r.is_nullable === 'YES', hasDefault: r.column_default !== null || r.is_identity === 'YES', generated: r.is_generated === 'ALWAYS' },
    ]),
  );
}

/** Known columns that exist (and are not generated); refuses when the live table has a column we cannot leave out. */
function insertColumns(table: string, fill: Record<string, string>, live: Map<string, LiveColumn>, note: (line: string) => void): string[] {
  for (const [name, column] of live) {
    if (!(name in fill) && !column.nullable && !column.hasDefault && !column.generated) {
      throw new Error(`growth preload: ${table}.${name} is NOT NULL without a default and unknown to tools/bench/growth-preload.ts: add it to the column map there`);
    }
  }
  for (const name of Object.keys(fill)) if (!live.has(name)) note(`growth preload: ${table}.${name} is not in the live schema: left out`);
  return Object.keys(fill).filter((name) => live.has(name) && !live.get(name)?.generated);
}

function insertSql(table: string, fill: Record<string, string>, columns: readonly string[]): string {
  return `
    INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')})
    SELECT ${columns.map((c) => fill[c]).join(',\n           ')}
      FROM (SELECT g, now() - ((g::bigint * 7919) % 31536000) * interval '1 second' AS t0, 1 + g % $3 AS p
              FROM generate_series($1::bigint, $2::bigint) AS g) AS s
      JOIN growth_profiles pr ON pr.n = s.p
      JOIN growth_csr_blobs csr ON csr.i = s.g % 1024
      JOIN growth_cert_blobs der ON der.i = s.g % 1024
      CROSS JOIN growth_decision d`;
}

/** 1,024 random blobs of `size` bytes (16-byte random uuids concatenated; correlated so each row differs). */
async function randomBlobs(client: Client, name: string, size: number): Promise<void> {
  await client.query(`
    CREATE TEMP TABLE ${name} AS
      SELECT i, (SELECT string_agg(uuid_send(gen_random_uuid()), ''::bytea) FROM generate_series(1, ${Math.ceil(size / 16)}) WHERE i >= 0) AS b
      FROM generate_series(0, 1023) AS i`);
  await client.query(`CREATE INDEX ON ${name} (i)`);
}

export interface PreloadResult {
  readonly rows: number;
  readonly insertSeconds: number;
  readonly vacuumSeconds: number;
  readonly profiles: number;
  readonly sizes: Record<string, string>;
}

/** Fills the bench database (one connected client; temp tables live in its session). */
export async function growthPreload(client: Client, rows: number, log: (line: string) => void): Promise<PreloadResult> {
  const t0 = performance.now();
  const transactions = insertColumns('enrollment.transactions', TRANSACTION_FILL, await liveColumns(client, 'enrollment', 'transactions'), log);
  const certificates = insertColumns('issuance.certificates', CERTIFICATE_FILL, await liveColumns(client, 'issuance', 'certificates'), log);
  const profiles = await preloadProfiles(client);
  await decisionTemplate(client);
  // Filler sizes: blob + 16 distinct bytes ≈ 700 (CSR) and ≈ 900 (certificate).
  await randomBlobs(client, 'growth_csr_blobs', 684);
  await randomBlobs(client, 'growth_cert_blobs', 884);
  const insertTransactions = insertSql('enrollment.transactions', TRANSACTION_FILL, transactions);
  const insertCertificates = insertSql('issuance.certificates', CERTIFICATE_FILL, certificates);
  // Bounded: ceil(rows / BATCH_ROWS) batches; transactions before their certificates, as the platform writes them.
  for (let first = 1; first <= rows; first += BATCH_ROWS) {
    const last = Math.min(rows, first + BATCH_ROWS - 1);
    await client.query(insertTransactions, [first, last, profiles]);
    await client.query(insertCertificates, [first, last, profiles]);
    if (last === rows || (last / BATCH_ROWS) % 4 === 0) log(`growth preload: ${last.toLocaleString('en')} / ${rows.toLocaleString('en')} rows per table (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const insertSeconds = (performance.now() - t0) / 1000;
  // VACUUM (ANALYZE) rather than ANALYZE alone: a year-old database is vacuumed and has hint bits set; without it,
  // autovacuum's insert-triggered pass and first-read hint-bit writes would land inside the measurement. The
  // CHECKPOINT likewise keeps the checkpoint of these gigabytes of WAL out of the measured window.
  const t1 = performance.now();
  await client.query('VACUUM (ANALYZE) enrollment.transactions');
  await client.query('VACUUM (ANALYZE) issuance.certificates');
  await client.query('CHECKPOINT');
  const vacuumSeconds = (performance.now() - t1) / 1000;
  const { rows: sizeRows } = await client.query<{ name: string; size: string }>(
    `SELECT t AS name, pg_size_pretty(pg_total_relation_size(t::regclass)) AS size FROM unnest(ARRAY['enrollment.transactions', 'issuance.certificates']) AS t`,
  );
  return { rows, insertSeconds, vacuumSeconds, profiles, sizes: Object.fromEntries(sizeRows.map((r) => [r.name, r.size])) };
}
