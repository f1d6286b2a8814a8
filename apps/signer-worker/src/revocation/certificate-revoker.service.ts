import { Injectable, Logger } from '@nestjs/common';
import { BULK_REVOCATION_LIMIT, type JobPayload, type JobResult, type ReleaseCertificateHold, type RevokeCertificates } from '@scep/contracts';
import { CertificateRevocationRepository, type RevocationState } from '@scep/persistence-issuance';
import { CaSigner } from '../ca-signing/ca-signer';
import { CrlIssuer } from '../crl/crl-issuer.service';

type Revoke = JobPayload<typeof RevokeCertificates>;

const view = (c: RevocationState & { changed?: boolean }) => ({
  serialHex: c.serialHex,
  caId: c.caId,
  revokedAt: (c.revokedAt ?? new Date(0)).toISOString(),
  reasonCode: c.reasonCode ?? 0,
  changed: c.changed ?? false,
});

/**
 * Revokes certificates and releases holds (RFC 5280 §5.3.1), then issues the next CRL of every CA concerned before
 * the job completes: a revocation is on the CRL within seconds, and the OCSP answers change with the same commit
 * (they read the certificate rows). If the CRL cannot be issued the job fails and is retried — the revocation itself
 * is already stored and idempotent, and the CRL sweep issues any CRL older than its CA's last revocation anyway.
 */
@Injectable()
export class CertificateRevoker {
  private readonly logger = new Logger(CertificateRevoker.name);

  constructor(
    private readonly revocations: CertificateRevocationRepository,
    private readonly crls: CrlIssuer,
    private readonly signer: CaSigner,
  ) {}

  async revoke(payload: Revoke): Promise<JobResult<typeof RevokeCertificates>> {
    const { selector } = payload;
    const outcome = await this.revocations.revoke(payload.tenantId, selector, {
      reasonCode: payload.reasonCode,
      actor: payload.actor,
      comment: payload.comment,
      expectedCount: selector.kind === 'bulk' ? selector.expectedCount : undefined,
      limit: BULK_REVOCATION_LIMIT,
    });
    switch (outcome.kind) {
      case 'not-found':
        return { result: 'not-found' };
      case 'ambiguous':
        return { result: 'ambiguous', caIds: outcome.caIds };
      case 'count-changed':
        return { result: 'count-changed', matched: outcome.matched };
      case 'already-revoked':
        return { result: 'already-revoked', certificates: outcome.certificates.map(view) };
      case 'revoked': {
        const changed = outcome.certificates.filter((c) => c.changed);
        const crls = await this.issueCrls(payload.tenantId, changed.map((c) => c.caId));
        this.logger.log(
          { tenantId: payload.tenantId, selector: selector.kind, revoked: changed.length, unchanged: outcome.certificates.length - changed.length, reasonCode: payload.reasonCode, actor: payload.actor },
          'certificates revoked',
        );
        return { result: 'revoked', certificates: outcome.certificates.map(view), crls };
      }
      default:
        throw new Error('unknown revocation outcome');
    }
  }

  async release(payload: JobPayload<typeof ReleaseCertificateHold>): Promise<JobResult<typeof ReleaseCertificateHold>> {
    const outcome = await this.revocations.releaseHold(payload.tenantId, payload.serialHex, payload.caId, payload.actor);
    switch (outcome.kind) {
      case 'not-found':
        return { result: 'not-found' };
      case 'ambiguous':
        return { result: 'ambiguous', caIds: outcome.caIds };
      case 'not-on-hold':
        return { result: 'not-on-hold', reasonCode: outcome.reasonCode };
      case 'released': {
        const crls = await this.issueCrls(payload.tenantId, [outcome.certificate.caId]);
        this.logger.log({ tenantId: payload.tenantId, serial: outcome.certificate.serialHex, actor: payload.actor }, 'certificate hold released');
        return { result: 'released', serialHex: outcome.certificate.serialHex, caId: outcome.certificate.caId, crls };
      }
      default:
        throw new Error('unknown release outcome');
    }
  }

  /** The next CRL of each CA that is still valid (an expired CA's certificates are all expired: no CRL to issue). */
  private async issueCrls(tenantId: string, caIds: readonly string[]): Promise<Array<{ caId: string; crlNumber: string }>> {
    const issued: Array<{ caId: string; crlNumber: string }> = [];
    for (const caId of new Set(caIds)) {
      if ((await this.signer.certificate(tenantId, caId)).notAfter.getTime() <= Date.now()) continue;
      issued.push({ caId, crlNumber: (await this.crls.issue(tenantId, caId)).crlNumber.toString() });
    }
    return issued;
  }
}
