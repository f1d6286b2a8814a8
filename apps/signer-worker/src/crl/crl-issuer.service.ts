import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isUniqueViolation } from '@scep/persistence-core';
import { CrlEntity } from '@scep/persistence-issuance';
import { type CrlReason, buildCrl } from '@scep/pki';
import { IssuingCaCache } from '../signing/issuing-ca.cache';
import { signerConfig } from '../signer-config';

const HOUR_MS = 3600_000;

/**
 * Issues CRLs (RFC 5280 §5): every revoked, unexpired certificate of a CA, a cRLNumber one above the last, valid
 * for SIGNER_CRL_VALIDITY_HOURS (never past the CA). GetCRL and GET /crl/... serve the newest.
 */
@Injectable()
export class CrlIssuer {
  private readonly logger = new Logger(CrlIssuer.name);
  private readonly config = signerConfig();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cas: IssuingCaCache,
  ) {}

  async issue(tenantId: string, caId: string): Promise<CrlEntity> {
    const ca = await this.cas.get(tenantId, caId);
    const revoked: Array<{ serial_hex: string; revoked_at: Date; revocation_reason: number | null }> = await this.dataSource.query(
      `SELECT serial_hex, revoked_at, revocation_reason FROM issuance.certificates
        WHERE tenant_id = $1 AND ca_id = $2 AND revoked_at IS NOT NULL AND not_after > now()
        ORDER BY revoked_at`,
      [tenantId, caId],
    );
    const thisUpdate = new Date();
    const nextUpdate = new Date(Math.min(thisUpdate.getTime() + this.config.SIGNER_CRL_VALIDITY_HOURS * HOUR_MS, ca.certificate.notAfter.getTime()));
    for (let attempt = 0; ; attempt++) {
      const [{ last }] = await this.dataSource.query(`SELECT coalesce(max(crl_number), 0)::text AS last FROM issuance.crls WHERE tenant_id = $1 AND ca_id = $2`, [tenantId, caId]);
      const crlNumber = BigInt(last as string) + 1n;
      const crlDer = buildCrl({
        issuer: ca.certificate,
        issuerKey: ca.privateKey,
        thisUpdate,
        nextUpdate,
        crlNumber,
        revoked: revoked.map((r) => ({ serial: Buffer.from(r.serial_hex, 'hex'), revokedAt: r.revoked_at, reason: (r.revocation_reason ?? undefined) as CrlReason | undefined })),
        digest: 'sha256',
      });
      const row = Object.assign(new CrlEntity(), { id: randomUUID(), tenantId, caId, crlNumber: crlNumber.toString(), thisUpdate, nextUpdate, crlDer });
      try {
        await this.dataSource.getRepository(CrlEntity).insert(row);
        this.logger.log({ tenantId, caId, crlNumber: row.crlNumber, revoked: revoked.length }, 'CRL issued');
        return row;
      } catch (error) {
        // Two signers numbered the same CRL: the unique (ca_id, crl_number) sends the loser round again.
        if (!isUniqueViolation(error) || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Every CA that is still valid and whose newest CRL is missing or reaches its nextUpdate within the next
   * refresh periods gets a new one. A maintenance sweep over all tenants; each CRL is then per (tenant, CA).
   */
  async refreshDue(tenantId?: string): Promise<number> {
    const margin = Math.max(3 * this.config.SIGNER_CRL_REFRESH_MINUTES * 60_000, (this.config.SIGNER_CRL_VALIDITY_HOURS * HOUR_MS) / 2);
    const due: Array<{ tenant_id: string; id: string }> = await this.dataSource.query(
      `SELECT ca.tenant_id, ca.id FROM issuance.certificate_authorities ca
         LEFT JOIN LATERAL (SELECT next_update FROM issuance.crls c WHERE c.ca_id = ca.id ORDER BY crl_number DESC LIMIT 1) latest ON true
        WHERE ca.not_after > now() AND ($2::uuid IS NULL OR ca.tenant_id = $2)
          AND (latest.next_update IS NULL OR latest.next_update < now() + ($1 || ' milliseconds')::interval)`,
      [String(Math.round(margin)), tenantId ?? null],
    );
    for (const ca of due) await this.issue(ca.tenant_id, ca.id);
    return due.length;
  }
}
