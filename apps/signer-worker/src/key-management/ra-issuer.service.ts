import { Injectable } from '@nestjs/common';
import { type IssueRaCredential, type JobPayload, type JobResult, KeyWrapAad } from '@scep/contracts';
import { RaCredentialEntity, RaCredentialRepository } from '@scep/persistence-issuance';
import { exportPrivateKeyPkcs8, generateRsaKeyPair, randomSerial, wrapSecret } from '@scep/pki';
import { CaSigner } from '../ca-signing/ca-signer';
import { crlDistributionPoints } from '../crl/crl-distribution-point';
import { signerConfig } from '../signer-config';
import { subjectNameOrFail } from './subject-name';

const DAY_MS = 24 * 60 * 60 * 1000;
/** id-kp-cmcRA, RFC 6402 §2.10. */
export const ID_KP_CMC_RA = '1.3.6.1.5.5.7.3.28';

/**
 * Issues a profile's RA credential (scep-protocol.md §4.2, §8.1): an RSA-2048 end-entity key pair certified by the
 * CA with keyUsage digitalSignature + keyEncipherment, extendedKeyUsage id-kp-cmcRA and no CA flag, its key wrapped under the RA KEK that the
 * gateway holds. The RA decrypts requests and signs CertReps; only the CA key signs certificates.
 */
@Injectable()
export class RaIssuer {
  private readonly config = signerConfig();

  constructor(
    private readonly credentials: RaCredentialRepository,
    private readonly signer: CaSigner,
  ) {}

  async issue(payload: JobPayload<typeof IssueRaCredential>): Promise<JobResult<typeof IssueRaCredential>> {
    const existing = await this.credentials.find(payload.tenantId, payload.raCredentialId);
    if (existing) return toResult(existing);

    const subjectDer = subjectNameOrFail(payload.subjectDn);
    const ca = await this.signer.certificate(payload.tenantId, payload.caId);
    const keyPair = await generateRsaKeyPair(2048);
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(Math.min(notBefore.getTime() + payload.validityDays * DAY_MS, ca.notAfter.getTime()));
    const certificateDer = await this.signer.issueCertificate(payload.tenantId, payload.caId, {
      subjectDer,
      subjectSpkiDer: keyPair.publicKey.export({ type: 'spki', format: 'der' }),
      serial: randomSerial(),
      notBefore,
      notAfter,
      digest: 'sha256',
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      // id-kp-cmcRA (RFC 6402 §2.10): the key is good for acting as a registration authority and nothing else —
      // not for TLS, code signing or e-mail, which an RA certificate without an EKU would be accepted for.
      extendedKeyUsage: [ID_KP_CMC_RA],
      crlDistributionPoints: crlDistributionPoints(payload.tenantId, payload.caId),
    });
    const row = Object.assign(new RaCredentialEntity(), {
      id: payload.raCredentialId,
      tenantId: payload.tenantId,
      caId: payload.caId,
      certificateDer,
      kekId: this.config.SIGNER_RA_KEK_ID,
      wrappedKey: wrapSecret(
        this.config.SIGNER_RA_KEK,
        exportPrivateKeyPkcs8(keyPair.privateKey),
        KeyWrapAad.raKey(payload.tenantId, payload.raCredentialId),
      ),
      notAfter,
    });
    await this.credentials.insert(row);
    return toResult(row);
  }
}

function toResult(row: RaCredentialEntity): JobResult<typeof IssueRaCredential> {
  return { raCredentialId: row.id, certificateDer: row.certificateDer.toString('base64'), notAfter: row.notAfter.toISOString() };
}
