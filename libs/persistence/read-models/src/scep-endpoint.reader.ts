import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Generations } from './ca-generations';

/** One CA and the RA that speaks SCEP for it: public certificates and the wrapped RA key. */
export interface CaRaPairRecord {
  readonly caId: string;
  readonly caCertificateDer: Buffer;
  readonly raCredentialId: string;
  readonly raCertificateDer: Buffer;
  /** RA private key wrapped under the RA key-encryption key (kekId). Never a CA key: those are in issuance.ca_keys. */
  readonly raWrappedKey: Buffer;
  readonly raKekId: string;
}

/** What the gateway needs to serve /scep/{tenant}/{profile}. */
export interface ScepEndpointRecord {
  readonly tenantId: string;
  readonly profileId: string;
  readonly status: 'provisioning' | 'active' | 'disabled';
  readonly syncWaitMs: number;
  /** Content ciphers the profile accepts in requests. */
  readonly contentCiphers: readonly string[];
  readonly generations: Generations<CaRaPairRecord>;
}

/**
 * Read-only projection over tenancy (owner: admin-api) and issuance (owner: signer-worker) for the gateway.
 * Explicit column lists; never touches issuance.ca_keys.
 */
@Injectable()
export class ScepEndpointReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(tenantSlug: string, profileSlug: string): Promise<ScepEndpointRecord | undefined> {
    const [profile]: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT p.tenant_id, p.id, p.status, p.sync_wait_ms, p.content_ciphers, p.ca_id, p.ra_credential_id,
              p.next_ca_id, p.next_ra_credential_id, p.ca_switch_at, p.previous_ca_id, p.previous_ra_credential_id
         FROM tenancy.tenants t JOIN tenancy.profiles p ON p.tenant_id = t.id AND p.slug = $2
        WHERE t.slug = $1`,
      [tenantSlug, profileSlug],
    );
    if (!profile || !profile.ra_credential_id) return undefined;
    const tenantId = profile.tenant_id as string;
    const pairs: Array<[string, string]> = [[profile.ca_id as string, profile.ra_credential_id as string]];
    if (profile.next_ca_id) pairs.push([profile.next_ca_id as string, profile.next_ra_credential_id as string]);
    if (profile.previous_ca_id) pairs.push([profile.previous_ca_id as string, profile.previous_ra_credential_id as string]);
    const cas: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, certificate_der FROM issuance.certificate_authorities WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, pairs.map(([ca]) => ca)],
    );
    const ras: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, certificate_der, wrapped_key, kek_id FROM issuance.ra_credentials WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, pairs.map(([, ra]) => ra)],
    );
    const pair = ([caId, raId]: [string, string]): CaRaPairRecord | undefined => {
      const ca = cas.find((c) => c.id === caId);
      const ra = ras.find((r) => r.id === raId);
      if (!ca || !ra) return undefined;
      return {
        caId,
        caCertificateDer: ca.certificate_der as Buffer,
        raCredentialId: raId,
        raCertificateDer: ra.certificate_der as Buffer,
        raWrappedKey: ra.wrapped_key as Buffer,
        raKekId: ra.kek_id as string,
      };
    };
    const current = pair(pairs[0] as [string, string]);
    if (!current) return undefined;
    return {
      tenantId,
      profileId: profile.id as string,
      status: profile.status as ScepEndpointRecord['status'],
      syncWaitMs: profile.sync_wait_ms as number,
      contentCiphers: profile.content_ciphers as string[],
      generations: {
        current,
        next: profile.next_ca_id ? pair([profile.next_ca_id as string, profile.next_ra_credential_id as string]) : undefined,
        switchAt: (profile.ca_switch_at as Date | null) ?? undefined,
        previous: profile.previous_ca_id ? pair([profile.previous_ca_id as string, profile.previous_ra_credential_id as string]) : undefined,
      },
    };
  }
}
