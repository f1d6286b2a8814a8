import { Injectable } from '@nestjs/common';
import { SqlClient, statement } from '@scep/persistence-core';

export interface OcspResponderRow {
  readonly id: string;
  readonly tenantId: string;
  readonly caId: string;
  readonly certificateDer: Buffer;
  readonly kekId: string;
  readonly wrappedKey: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const SQL = {
  insert: statement(
    'issuance.insert-ocsp-responder',
    `INSERT INTO issuance.ocsp_responders (id, tenant_id, ca_id, certificate_der, kek_id, wrapped_key, not_before, not_after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  ),
  // Valid CAs whose newest responder wrapped under the current key ($4) is missing or has less than $1 ms left.
  due: statement(
    'issuance.cas-with-ocsp-responder-due',
    `SELECT ca.tenant_id, ca.id FROM issuance.certificate_authorities ca
       LEFT JOIN LATERAL (SELECT not_after FROM issuance.ocsp_responders r WHERE r.ca_id = ca.id AND r.kek_id = $4 ORDER BY not_after DESC LIMIT 1) latest ON true
      WHERE ca.not_after > now() AND ($2::uuid IS NULL OR ca.tenant_id = $2)
        AND (latest.not_after IS NULL OR latest.not_after < now() + ($1 || ' milliseconds')::interval)
      ORDER BY ca.id LIMIT $3`,
  ),
};

/** Delegated OCSP responders (owner: signer-worker): issued here, used by the policy service (read-models). */
@Injectable()
export class OcspResponderRepository {
  constructor(private readonly sql: SqlClient) {}

  async insert(row: OcspResponderRow): Promise<void> {
    await this.sql.count(SQL.insert, [row.id, row.tenantId, row.caId, row.certificateDer, row.kekId, row.wrappedKey, row.notBefore, row.notAfter]);
  }

  /**
   * At most `limit` CAs that need a new responder: none wrapped under `kekId`, or the newest past `marginMs` before
   * its end (the sweep is bounded; the next run takes the rest).
   */
  async due(marginMs: number, limit: number, kekId: string, tenantId?: string): Promise<Array<{ tenantId: string; caId: string }>> {
    const rows = await this.sql.rows(SQL.due, [String(Math.round(marginMs)), tenantId ?? null, limit, kekId]);
    return rows.map((r) => ({ tenantId: r.tenant_id as string, caId: r.id as string }));
  }
}
