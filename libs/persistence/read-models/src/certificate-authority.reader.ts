import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The public face of a CA. */
export interface CertificateAuthorityRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly subject: string;
  readonly keySpec: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly certificateDer: Buffer;
  readonly createdAt: Date;
}

const COLUMNS = `id, tenant_id, name, subject, key_spec, not_before, not_after, certificate_der, created_at`;

function toRecord(row: Record<string, unknown>): CertificateAuthorityRecord {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    name: row.name as string,
    subject: row.subject as string,
    keySpec: row.key_spec as string,
    notBefore: row.not_before as Date,
    notAfter: row.not_after as Date,
    certificateDer: row.certificate_der as Buffer,
    createdAt: row.created_at as Date,
  };
}

/** Read-only projection of issuance.certificate_authorities (owner: signer-worker); no key material. */
@Injectable()
export class CertificateAuthorityReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(tenantId: string, caId: string): Promise<CertificateAuthorityRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM issuance.certificate_authorities WHERE tenant_id = $1 AND id = $2`,
      [tenantId, caId],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * The revocation generation of each CA (bumped in the transaction of every revocation and hold release): a cache of
   * OCSP answers drops a CA's entries when it moves. Bounded by the caller's list.
   */
  async revocationGenerations(caIds: readonly string[]): Promise<Map<string, string>> {
    if (caIds.length === 0) return new Map();
    const rows: Array<{ id: string; generation: string }> = await this.dataSource.query(
      `SELECT id, revocation_generation::text AS generation FROM issuance.certificate_authorities WHERE id = ANY($1::uuid[])`,
      [[...caIds]],
    );
    return new Map(rows.map((r) => [r.id, r.generation]));
  }

  async list(tenantId: string): Promise<CertificateAuthorityRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM issuance.certificate_authorities WHERE tenant_id = $1 ORDER BY created_at`,
      [tenantId],
    );
    return rows.map(toRecord);
  }
}
