import { Injectable } from '@nestjs/common';
import { SqlClient, statement } from '@scep/persistence-core';

export interface RevokedEntry {
  readonly serialHex: string;
  readonly revokedAt: Date;
  /** RFC 5280 §5.3.1 CRLReason code. */
  readonly reason: number | null;
}

const SQL = {
  revoked: statement(
    'issuance.revoked-of-ca',
    `SELECT serial_hex, revoked_at, revocation_reason FROM issuance.certificates
      WHERE tenant_id = $1 AND ca_id = $2 AND revoked_at IS NOT NULL AND not_after > now()
      ORDER BY revoked_at`,
  ),
  lastNumber: statement(
    'issuance.last-crl-number',
    `SELECT coalesce(max(crl_number), 0)::text AS last FROM issuance.crls WHERE tenant_id = $1 AND ca_id = $2`,
  ),
  insert: statement(
    'issuance.insert-crl',
    `INSERT INTO issuance.crls (id, tenant_id, ca_id, crl_number, this_update, next_update, crl_der) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  ),
  due: statement(
    'issuance.cas-with-crl-due',
    `SELECT ca.tenant_id, ca.id FROM issuance.certificate_authorities ca
       LEFT JOIN LATERAL (SELECT next_update FROM issuance.crls c WHERE c.ca_id = ca.id ORDER BY crl_number DESC LIMIT 1) latest ON true
      WHERE ca.not_after > now() AND ($2::uuid IS NULL OR ca.tenant_id = $2)
        AND (latest.next_update IS NULL OR latest.next_update < now() + ($1 || ' milliseconds')::interval)`,
  ),
};

/** CRLs (owner: signer-worker): what goes on the next one, its number, and which CAs need a new one. */
@Injectable()
export class CrlRepository {
  constructor(private readonly sql: SqlClient) {}

  async revoked(tenantId: string, caId: string): Promise<RevokedEntry[]> {
    const rows = await this.sql.rows(SQL.revoked, [tenantId, caId]);
    return rows.map((r) => ({ serialHex: r.serial_hex as string, revokedAt: r.revoked_at as Date, reason: (r.revocation_reason as number | null) ?? null }));
  }

  async lastNumber(tenantId: string, caId: string): Promise<bigint> {
    const row = await this.sql.one<{ last: string }>(SQL.lastNumber, [tenantId, caId]);
    return BigInt(row?.last ?? '0');
  }

  /** Stores a CRL; a second CRL with the same number for the CA is refused by the unique (ca_id, crl_number). */
  async insert(row: { id: string; tenantId: string; caId: string; crlNumber: bigint; thisUpdate: Date; nextUpdate: Date; crlDer: Buffer }): Promise<void> {
    await this.sql.count(SQL.insert, [row.id, row.tenantId, row.caId, row.crlNumber.toString(), row.thisUpdate, row.nextUpdate, row.crlDer]);
  }

  /** Valid CAs whose newest CRL is missing or reaches its nextUpdate within `marginMs`. */
  async due(marginMs: number, tenantId?: string): Promise<Array<{ tenantId: string; caId: string }>> {
    const rows = await this.sql.rows(SQL.due, [String(Math.round(marginMs)), tenantId ?? null]);
    return rows.map((r) => ({ tenantId: r.tenant_id as string, caId: r.id as string }));
  }
}
