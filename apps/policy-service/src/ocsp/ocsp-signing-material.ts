import type { KeyObject } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { KeyWrapAad } from '@scep/contracts';
import { LoadingCache } from '@scep/persistence-core';
import { CertificateAuthorityReader, OcspResponderReader } from '@scep/persistence-read';
import { type CertificateInfo, PkiError, importPrivateKeyPkcs8, readCertificate, unwrapSecret } from '@scep/pki';
import { deriveOcspResponderWrapKey, ocspResponderWrapKeyId } from '@scep/signing-approval';
import { policyConfig } from '../policy-config';

const CA_TTL_MS = 10 * 60_000;
const RESPONDER_TTL_MS = 10 * 60_000;
/** A CA or responder that is not there yet is looked up again soon (a CA created a moment ago). */
const MISSING_TTL_MS = 15_000;

export interface OcspSigningMaterial {
  /** The CA the requests are about: its name and key make the CertID hashes. */
  readonly ca: CertificateInfo;
  readonly responder: CertificateInfo;
  readonly responderKey: KeyObject;
}

/**
 * Per (tenant, CA): the CA certificate and the newest valid delegated responder with its key unwrapped, cached and
 * bounded. The responder key is unwrapped with the key derived from the approval secret, which only this service and
 * the signer hold (docs/adr/010-revocation-crl-ocsp.md); a responder is used until shortly before its notAfter, by
 * which time the signer has issued the next one (at half its validity).
 */
@Injectable()
export class OcspSigningMaterials {
  private readonly logger = new Logger(OcspSigningMaterials.name);
  private readonly wrapKey = deriveOcspResponderWrapKey(policyConfig().POLICY_APPROVAL_KEY);
  private readonly wrapKeyId = ocspResponderWrapKeyId(this.wrapKey);
  private readonly cas = new LoadingCache<CertificateInfo | undefined>({ maxEntries: 10_000, ttlMs: (ca) => (ca ? CA_TTL_MS : MISSING_TTL_MS) });
  private readonly responders = new LoadingCache<{ certificate: CertificateInfo; key: KeyObject } | undefined>({
    maxEntries: 10_000,
    ttlMs: (responder) => (responder ? Math.max(0, Math.min(RESPONDER_TTL_MS, responder.certificate.notAfter.getTime() - Date.now() - RESPONDER_TTL_MS)) : MISSING_TTL_MS),
  });

  constructor(
    private readonly caReader: CertificateAuthorityReader,
    private readonly responderReader: OcspResponderReader,
  ) {}

  /** Undefined: no such CA in this tenant (`ca`), or no usable responder yet (`responder`). */
  async get(tenantId: string, caId: string): Promise<{ ca?: CertificateInfo; material?: OcspSigningMaterial }> {
    const key = `${tenantId}/${caId}`;
    const ca = await this.cas.get(key, async () => {
      const record = await this.caReader.find(tenantId, caId);
      return record ? readCertificate(record.certificateDer) : undefined;
    });
    if (!ca) return {};
    const responder = await this.responders.get(key, () => this.loadResponder(tenantId, caId));
    return responder ? { ca, material: { ca, responder: responder.certificate, responderKey: responder.key } } : { ca };
  }

  private async loadResponder(tenantId: string, caId: string): Promise<{ certificate: CertificateInfo; key: KeyObject } | undefined> {
    // Only responders wrapped under the key this service derives (after the approval secret changed, the signer
    // issues new ones at its next sweep, which runs when it starts).
    const record = await this.responderReader.current(tenantId, caId, this.wrapKeyId);
    if (!record) return undefined;
    try {
      return { certificate: readCertificate(record.certificateDer), key: importPrivateKeyPkcs8(unwrapSecret(this.wrapKey, record.wrappedKey, KeyWrapAad.ocspResponderKey(tenantId, record.id))) };
    } catch (error) {
      // A different approval secret than the signer's, or a tampered row: no responses rather than wrong ones.
      if (!(error instanceof PkiError)) throw error;
      this.logger.error({ tenantId, caId, responderId: record.id, code: error.code }, 'cannot unwrap the OCSP responder key');
      return undefined;
    }
  }
}
