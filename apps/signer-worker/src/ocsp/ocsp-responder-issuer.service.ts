import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { KeyWrapAad } from '@scep/contracts';
import { OcspResponderRepository } from '@scep/persistence-issuance';
import { encodeDistinguishedName, exportPrivateKeyPkcs8, generateRsaKeyPair, randomSerial, wrapSecret } from '@scep/pki';
import { deriveOcspResponderWrapKey, ocspResponderWrapKeyId } from '@scep/signing-approval';
import { CaSigner } from '../ca-signing/ca-signer';
import { signerConfig } from '../signer-config';

const DAY_MS = 24 * 60 * 60 * 1000;
/** id-kp-OCSPSigning (RFC 6960 §4.2.2.2). */
const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
/** Responders issued per sweep at most (an RSA key each); the next sweep takes the rest. */
const MAX_PER_SWEEP = 200;

/**
 * Issues each CA's delegated OCSP responder (RFC 6960 §4.2.2.2): a fresh RSA-2048 key and a certificate from the CA
 * with keyUsage digitalSignature, extendedKeyUsage id-kp-OCSPSigning only, id-pkix-ocsp-nocheck, short-lived
 * (SIGNER_OCSP_RESPONDER_VALIDITY_DAYS) and renewed at half-life. The key is wrapped for the policy service, which
 * signs the OCSP responses; the CA key never signs one (docs/adr/010-revocation-crl-ocsp.md).
 */
@Injectable()
export class OcspResponderIssuer {
  private readonly logger = new Logger(OcspResponderIssuer.name);
  private readonly config = signerConfig();
  private readonly wrapKey = deriveOcspResponderWrapKey(this.config.SIGNER_APPROVAL_KEY);
  /** Recorded with each wrapped key: after the approval secret changes, every CA gets a responder under the new one. */
  private readonly wrapKeyId = ocspResponderWrapKeyId(this.wrapKey);

  constructor(
    private readonly responders: OcspResponderRepository,
    private readonly signer: CaSigner,
  ) {}

  /**
   * A responder for every valid CA (of one tenant, or all) that has none wrapped under the current key, or one past
   * half its validity.
   */
  async refreshDue(tenantId?: string): Promise<number> {
    const margin = (this.config.SIGNER_OCSP_RESPONDER_VALIDITY_DAYS * DAY_MS) / 2;
    const due = await this.responders.due(margin, MAX_PER_SWEEP, this.wrapKeyId, tenantId);
    for (const ca of due) await this.issue(ca.tenantId, ca.caId);
    return due.length;
  }

  async issue(tenantId: string, caId: string): Promise<string> {
    const ca = await this.signer.certificate(tenantId, caId);
    const id = randomUUID();
    const keyPair = await generateRsaKeyPair(2048);
    const now = Date.now();
    const notBefore = new Date(Math.max(now - 5 * 60_000, ca.notBefore.getTime()));
    const notAfter = new Date(Math.min(now + this.config.SIGNER_OCSP_RESPONDER_VALIDITY_DAYS * DAY_MS, ca.notAfter.getTime()));
    const certificateDer = await this.signer.issueCertificate(tenantId, caId, {
      // Named after its CA (by id: CA names are free text, a CN has 64 characters at most).
      subjectDer: encodeDistinguishedName(`CN=OCSP Responder,OU=${caId}`),
      subjectSpkiDer: keyPair.publicKey.export({ type: 'spki', format: 'der' }),
      serial: randomSerial(),
      notBefore,
      notAfter,
      digest: 'sha256',
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: [OCSP_SIGNING],
      ocspNoCheck: true,
    });
    await this.responders.insert({
      id,
      tenantId,
      caId,
      certificateDer,
      kekId: this.wrapKeyId,
      wrappedKey: wrapSecret(this.wrapKey, exportPrivateKeyPkcs8(keyPair.privateKey), KeyWrapAad.ocspResponderKey(tenantId, id)),
      notBefore,
      notAfter,
    });
    this.logger.log({ tenantId, caId, responderId: id, notAfter: notAfter.toISOString() }, 'OCSP responder issued');
    return id;
  }
}
