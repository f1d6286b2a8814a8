import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** What the gateway needs to serve /scep/{tenant}/{profile}: public certificates and the wrapped RA key. */
export interface ScepEndpointRecord {
  readonly tenantId: string;
  readonly profileId: string;
  readonly status: 'provisioning' | 'active' | 'disabled';
  readonly syncWaitMs: number;
  readonly caId: string;
  readonly caCertificateDer: Buffer;
  readonly raCredentialId: string;
  readonly raCertificateDer: Buffer;
  /** RA private key wrapped under the RA key-encryption key (kekId). Never a CA key: those are in issuance.ca_keys. */
  readonly raWrappedKey: Buffer;
  readonly raKekId: string;
}

/**
 * Read-only projection over tenancy (owner: admin-api) and issuance (owner: signer-worker) for the gateway.
 * Explicit column lists; never touches issuance.ca_keys.
 */
@Injectable()
export class ScepEndpointReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(tenantSlug: string, profileSlug: string): Promise<ScepEndpointRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT p.tenant_id, p.id AS profile_id, p.status, p.sync_wait_ms, p.ca_id,
              ca.certificate_der AS ca_certificate_der,
              ra.id AS ra_credential_id, ra.certificate_der AS ra_certificate_der,
              ra.wrapped_key AS ra_wrapped_key, ra.kek_id AS ra_kek_id
         FROM tenancy.tenants t
         JOIN tenancy.profiles p ON p.tenant_id = t.id AND p.slug = $2
         JOIN issuance.certificate_authorities ca ON ca.id = p.ca_id AND ca.tenant_id = p.tenant_id
         JOIN issuance.ra_credentials ra ON ra.id = p.ra_credential_id AND ra.tenant_id = p.tenant_id
        WHERE t.slug = $1`,
      [tenantSlug, profileSlug],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      tenantId: row.tenant_id as string,
      profileId: row.profile_id as string,
      status: row.status as ScepEndpointRecord['status'],
      syncWaitMs: row.sync_wait_ms as number,
      caId: row.ca_id as string,
      caCertificateDer: row.ca_certificate_der as Buffer,
      raCredentialId: row.ra_credential_id as string,
      raCertificateDer: row.ra_certificate_der as Buffer,
      raWrappedKey: row.ra_wrapped_key as Buffer,
      raKekId: row.ra_kek_id as string,
    };
  }
}
