/**
 * ════════════════════════════════════════════════════════════════════════════════════════════════════════════
 *  SCHEMA-DEPENDENT MODULE — the fault check's read-only SQL on the resulting tables (enrollment.transactions,
 *  issuance.certificates). Adapt the queries here when those tables change; nothing else in tools/faults knows them.
 * ════════════════════════════════════════════════════════════════════════════════════════════════════════════
 */
import type { Client } from 'pg';

/** Transaction states after which nothing more happens (RFC 8894 outcome recorded). */
const FINAL_STATES = ['issued', 'rejected', 'failed', 'expired'];

export interface IntegrityFacts {
  readonly transactions: number;
  readonly certificates: number;
  /** Transactions holding more than one certificate (issuance.certificates grouped by enrollment_id). */
  readonly transactionsWithTwoCertificates: number;
  /** (CA, serial) pairs issued more than once. */
  readonly duplicateSerials: number;
  /** Certificates whose enrollment_id names no transaction. */
  readonly orphanCertificates: number;
  /** Transactions marked issued whose certificate is not in issuance.certificates, or whose serial differs. */
  readonly issuedWithoutMatchingCertificate: number;
  /** Live transactions in a non-final state, by state. */
  readonly stuck: Record<string, number>;
  /** Live transactions that ended failed/rejected, by reason (every request in the check is valid). */
  readonly failedByReason: Record<string, number>;
}

export interface TransactionFacts {
  readonly status: string;
  readonly certificateSerial: string | null;
}

const count = async (client: Client, sql: string, params: unknown[] = []) => Number((await client.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);

export async function integrityFacts(client: Client): Promise<IntegrityFacts> {
  const stuckRows = await client.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM enrollment.transactions WHERE superseded_at IS NULL AND status <> ALL($1) GROUP BY status`,
    [FINAL_STATES],
  );
  const failedRows = await client.query<{ reason: string; n: string }>(
    `SELECT status || ': ' || coalesce(fail_info, '-') || ' ' || coalesce(left(status_reason, 80), '') AS reason, count(*) AS n
       FROM enrollment.transactions WHERE superseded_at IS NULL AND status IN ('failed', 'rejected') GROUP BY 1`,
  );
  return {
    transactions: await count(client, 'SELECT count(*) AS n FROM enrollment.transactions'),
    certificates: await count(client, 'SELECT count(*) AS n FROM issuance.certificates'),
    transactionsWithTwoCertificates: await count(client, 'SELECT count(*) AS n FROM (SELECT enrollment_id FROM issuance.certificates GROUP BY enrollment_id HAVING count(*) > 1) d'),
    duplicateSerials: await count(client, 'SELECT count(*) AS n FROM (SELECT ca_id, serial_hex FROM issuance.certificates GROUP BY ca_id, serial_hex HAVING count(*) > 1) d'),
    orphanCertificates: await count(
      client,
      'SELECT count(*) AS n FROM issuance.certificates c WHERE NOT EXISTS (SELECT 1 FROM enrollment.transactions t WHERE t.id = c.enrollment_id)',
    ),
    issuedWithoutMatchingCertificate: await count(
      client,
      `SELECT count(*) AS n FROM enrollment.transactions t WHERE t.status = 'issued'
         AND NOT EXISTS (SELECT 1 FROM issuance.certificates c WHERE c.enrollment_id = t.id AND c.serial_hex = t.certificate_serial)`,
    ),
    stuck: Object.fromEntries(stuckRows.rows.map((r) => [r.status, Number(r.n)])),
    failedByReason: Object.fromEntries(failedRows.rows.map((r) => [r.reason.trim(), Number(r.n)])),
  };
}

/** Live transactions that are not final yet (for the settle wait before the checks). */
export function unsettledCount(client: Client): Promise<number> {
  return count(client, 'SELECT count(*) AS n FROM enrollment.transactions WHERE superseded_at IS NULL AND status <> ALL($1)', [FINAL_STATES]);
}

/** The live transaction of each transactionID the devices used. */
export async function transactionsById(client: Client, transactionIds: readonly string[]): Promise<Map<string, TransactionFacts>> {
  const { rows } = await client.query<{ transaction_id: string; status: string; certificate_serial: string | null }>(
    `SELECT transaction_id, status, certificate_serial FROM enrollment.transactions WHERE superseded_at IS NULL AND transaction_id = ANY($1)`,
    [transactionIds],
  );
  return new Map(rows.map((r) => [r.transaction_id, { status: r.status, certificateSerial: r.certificate_serial }]));
}

/** Serials present in issuance.certificates among those given (upper-case hex as the signer stores them). */
export async function knownSerials(client: Client, serials: readonly string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ serial_hex: string }>('SELECT serial_hex FROM issuance.certificates WHERE upper(serial_hex) = ANY($1)', [serials.map((s) => s.toUpperCase())]);
  return new Set(rows.map((r) => r.serial_hex.toUpperCase()));
}
