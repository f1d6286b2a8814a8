import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface CrlRecord {
  readonly caId: string;
  readonly crlNumber: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlDer: Buffer;
}

/** Read-only projection of issuance.crls (owner: signer-worker): the current CRL of a tenant's CA. */
@Injectable()
export class CrlReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async current(tenantId: string, caId: string): Promise<CrlRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ca_id, crl_number::text AS crl_number, this_update, next_update, crl_der
         FROM issuance.crls WHERE tenant_id = $1 AND ca_id = $2 ORDER BY crl_number DESC LIMIT 1`,
      [tenantId, caId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      caId: row.ca_id as string,
      crlNumber: row.crl_number as string,
      thisUpdate: row.this_update as Date,
      nextUpdate: row.next_update as Date,
      crlDer: row.crl_der as Buffer,
    };
  }
}
