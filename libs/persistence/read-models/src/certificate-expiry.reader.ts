import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Generations } from './ca-generations';

/** notAfter of each RA generation of an active profile (undefined: no such generation), named by slugs. */
export interface RaExpiryRecord {
  readonly tenantSlug: string;
  readonly profileSlug: string;
  readonly raNotAfter: Generations<Date | undefined>;
}

/** notAfter of one CA, named by its tenant's slug and its own name (unique per tenant). */
export interface CaExpiryRecord {
  readonly tenantSlug: string;
  readonly caName: string;
  readonly notAfter: Date;
}

/**
 * Read-only projection for the expiry gauges (docs/operations/service-interfaces.md): public certificates' notAfter
 * over tenancy (owner: admin-api) and issuance (owner: signer-worker), across tenants, bounded by `limit` rows.
 * Slugs and names only — the metric labels — never ids of other tables or any key material.
 */
@Injectable()
export class CertificateExpiryReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async raCertificates(limit: number): Promise<RaExpiryRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT t.slug AS tenant, p.slug AS profile, p.ca_switch_at,
              cur.not_after AS current_not_after, nxt.not_after AS next_not_after, prev.not_after AS previous_not_after
         FROM tenancy.profiles p
         JOIN tenancy.tenants t ON t.id = p.tenant_id
         LEFT JOIN issuance.ra_credentials cur ON cur.tenant_id = p.tenant_id AND cur.id = p.ra_credential_id
         LEFT JOIN issuance.ra_credentials nxt ON nxt.tenant_id = p.tenant_id AND nxt.id = p.next_ra_credential_id
         LEFT JOIN issuance.ra_credentials prev ON prev.tenant_id = p.tenant_id AND prev.id = p.previous_ra_credential_id
        WHERE p.status = 'active'
        ORDER BY t.slug, p.slug
        LIMIT $1`,
      [limit],
    );
    const date = (value: unknown) => (value instanceof Date ? value : undefined);
    return rows.map((row) => ({
      tenantSlug: row.tenant as string,
      profileSlug: row.profile as string,
      raNotAfter: { current: date(row.current_not_after), next: date(row.next_not_after), switchAt: date(row.ca_switch_at), previous: date(row.previous_not_after) },
    }));
  }

  async caCertificates(limit: number): Promise<CaExpiryRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT t.slug AS tenant, ca.name, ca.not_after
         FROM issuance.certificate_authorities ca
         JOIN tenancy.tenants t ON t.id = ca.tenant_id
        ORDER BY t.slug, ca.name
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ tenantSlug: row.tenant as string, caName: row.name as string, notAfter: row.not_after as Date }));
  }
}
