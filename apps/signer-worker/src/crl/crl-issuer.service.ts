import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { isUniqueViolation } from '@scep/persistence-core';
import { CrlRepository } from '@scep/persistence-issuance';
import type { CrlReason } from '@scep/pki';
import { CaSigner } from '../ca-signing/ca-signer';
import { signerConfig } from '../signer-config';

const HOUR_MS = 3600_000;

/**
 * Issues CRLs (RFC 5280 §5): every revoked, unexpired certificate of a CA, a cRLNumber one above the last, valid
 * for SIGNER_CRL_VALIDITY_HOURS (never past the CA). GetCRL and GET /crl/... serve the newest. Each CRL records the
 * CA's revocation generation it lists: one behind the CA's is due at once (a revocation whose CRL was not issued).
 */
@Injectable()
export class CrlIssuer {
  private readonly logger = new Logger(CrlIssuer.name);
  private readonly config = signerConfig();

  constructor(
    private readonly crls: CrlRepository,
    private readonly signer: CaSigner,
  ) {}

  async issue(tenantId: string, caId: string): Promise<{ crlNumber: bigint; crlDer: Buffer }> {
    const ca = await this.signer.certificate(tenantId, caId);
    const content = await this.crls.content(tenantId, caId);
    const thisUpdate = new Date();
    const nextUpdate = new Date(Math.min(thisUpdate.getTime() + this.config.SIGNER_CRL_VALIDITY_HOURS * HOUR_MS, ca.notAfter.getTime()));
    const revoked = content.revoked.map((r) => ({ serial: Buffer.from(r.serialHex, 'hex'), revokedAt: r.revokedAt, reason: (r.reason ?? undefined) as CrlReason | undefined }));
    for (let attempt = 0; ; attempt++) {
      const crlNumber = (await this.crls.lastNumber(tenantId, caId)) + 1n;
      const crlDer = await this.signer.signCrl(tenantId, caId, { thisUpdate, nextUpdate, crlNumber, revoked, digest: 'sha256' });
      try {
        await this.crls.insert({ id: randomUUID(), tenantId, caId, crlNumber, thisUpdate, nextUpdate, crlDer, revocationGeneration: content.revocationGeneration });
        this.logger.log({ tenantId, caId, crlNumber: crlNumber.toString(), revoked: revoked.length, revocationGeneration: content.revocationGeneration.toString() }, 'CRL issued');
        return { crlNumber, crlDer };
      } catch (error) {
        // Two signers numbered the same CRL: the unique (ca_id, crl_number) sends the loser round again.
        if (!isUniqueViolation(error) || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Every CA that is still valid and whose newest CRL is missing, reaches its nextUpdate within the next refresh
   * periods, or predates a revocation gets a new one. A maintenance sweep over all tenants; each CRL is per (tenant, CA).
   */
  async refreshDue(tenantId?: string): Promise<number> {
    const margin = Math.max(3 * this.config.SIGNER_CRL_REFRESH_MINUTES * 60_000, (this.config.SIGNER_CRL_VALIDITY_HOURS * HOUR_MS) / 2);
    const due = await this.crls.due(margin, tenantId);
    for (const ca of due) await this.issue(ca.tenantId, ca.caId);
    return due.length;
  }
}
