import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** A CA's delegated OCSP responder as the policy service signs with it (the key still wrapped). */
export interface OcspResponderRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly caId: string;
  readonly certificateDer: Buffer;
  readonly kekId: string;
  /** Wrapped under the key only the signer and the policy service derive (docs/adr/010-revocation-crl-ocsp.md). */
  readonly wrappedKey: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * Read-only projection of issuance.ocsp_responders (owner: signer-worker) for the policy service: the newest responder
 * of a CA that is valid now. Never reads issuance.ca_keys.
 */
@Injectable()
export class OcspResponderReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The newest responder valid now whose key is wrapped under `kekId` (the one the caller can unwrap). */
  async current(tenantId: string, caId: string, kekId: string): Promise<OcspResponderRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, tenant_id, ca_id, certificate_der, kek_id, wrapped_key, not_before, not_after FROM issuance.ocsp_responders
        WHERE tenant_id = $1 AND ca_id = $2 AND kek_id = $3 AND not_before <= now() AND not_after > now()
        ORDER BY not_after DESC LIMIT 1`,
      [tenantId, caId, kekId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id as string,
      tenantId: row.tenant_id as string,
      caId: row.ca_id as string,
      certificateDer: row.certificate_der as Buffer,
      kekId: row.kek_id as string,
      wrappedKey: row.wrapped_key as Buffer,
      notBefore: row.not_before as Date,
      notAfter: row.not_after as Date,
    };
  }
}
