import { Injectable } from '@nestjs/common';
import { SqlClient, statement } from '@scep/persistence-core';

export interface RevokedEntry {
  readonly serialHex: string;
  readonly revokedAt: Date;
  /** RFC 5280 §5.3.1 CRLReason code. */
  readonly reason: number | null;
}

/** What the next CRL of a CA lists, and the CA's revocation generation it reflects (one snapshot). */
export interface CrlContent {
  readonly revoked: RevokedEntry[];
  readonly revocationGeneration: bigint;
}

const SQL = {
  // One statement, one snapshot: the generation read is the one of the revocations listed (both change in the same
  // transaction), so a CRL never claims a generation whose revocations it lacks.
  content: statement(
    'issuance.crl-content',
    `SELECT (SELECT revocation_generation::text FROM issuance.certificate_authorities WHERE tenant_id = $1 AND id = $2) AS generation,
            coalesce((SELECT json_agg(json_build_object('serial', serial_hex, 'at', revoked_at, 'reason', revocation_reason) ORDER BY revoked_at, serial_hex)
                        FROM issuance.certificates
                       WHERE tenant_id = $1 AND ca_id = $2 AND revoked_at IS NOT NULL AND not_after > now()), '[]'::json) AS revoked`,
  ),
  lastNumber: statement(
    'issuance.last-crl-number',
    `SELECT coalesce(max(crl_number), 0)::text AS last FROM issuance.crls WHERE tenant_id = $1 AND ca_id = $2`,
  ),
  insert: statement(
    'issuance.insert-crl',
    `INSERT INTO issuance.crls (id, tenant_id, ca_id, crl_number, this_update, next_update, crl_der, revocation_generation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  ),
  due: statement(
    'issuance.cas-with-crl-due',
    `SELECT ca.tenant_id, ca.id FROM issuance.certificate_authorities ca
       LEFT JOIN LATERAL (SELECT next_update, revocation_generation FROM issuance.crls c WHERE c.ca_id = ca.id ORDER BY crl_number DESC LIMIT 1) latest ON true
      WHERE ca.not_after > now() AND ($2::uuid IS NULL OR ca.tenant_id = $2)
        AND (latest.next_update IS NULL OR latest.next_update < now() + ($1 || ' milliseconds')::interval
             OR latest.revocation_generation < ca.revocation_generation)`,
  ),
};

/** CRLs (owner: signer-worker): what goes on the next one, its number, and which CAs need a new one. */
@Injectable()
export class CrlRepository {
  constructor(private readonly sql: SqlClient) {}

  /** Every revoked, unexpired certificate of the CA (RFC 5280 §3.3: expired ones may leave the CRL) and the generation. */
  async content(tenantId: string, caId: string): Promise<CrlContent> {
    const row = await this.sql.one<{ generation: string | null; revoked: Array<{ serial: string; at: string; reason: number | null }> }>(SQL.content, [tenantId, caId]);
    return {
      revocationGeneration: BigInt(row?.generation ?? '0'),
      revoked: (row?.revoked ?? []).map((r) => ({ serialHex: r.serial, revokedAt: new Date(r.at), reason: r.reason ?? null })),
    };
  }

  async lastNumber(tenantId: string, caId: string): Promise<bigint> {
    const row = await this.sql.one<{ last: string }>(SQL.lastNumber, [tenantId, caId]);
    return BigInt(row?.last ?? '0');
  }

  /** Stores a CRL; a second CRL with the same number for the CA is refused by the unique (ca_id, crl_number). */
  async insert(row: { id: string; tenantId: string; caId: string; crlNumber: bigint; thisUpdate: Date; nextUpdate: Date; crlDer: Buffer; revocationGeneration: bigint }): Promise<void> {
    await this.sql.count(SQL.insert, [
      row.id, row.tenantId, row.caId, row.crlNumber.toString(), row.thisUpdate, row.nextUpdate, row.crlDer, row.revocationGeneration.toString(),
    ]);
  }

  /** Valid CAs whose newest CRL is missing, reaches its nextUpdate within `marginMs`, or predates a revocation. */
  async due(marginMs: number, tenantId?: string): Promise<Array<{ tenantId: string; caId: string }>> {
    const rows = await this.sql.rows(SQL.due, [String(Math.round(marginMs)), tenantId ?? null]);
    return rows.map((r) => ({ tenantId: r.tenant_id as string, caId: r.id as string }));
  }
}
