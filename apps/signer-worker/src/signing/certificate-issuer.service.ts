import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { SigningApproval } from '@scep/contracts';
import { type IssuedCertificateRow, IssuedCertificateRepository } from '@scep/persistence-issuance';
import { randomSerial, serialToHex } from '@scep/pki';
import { CaSigner } from '../ca-signing/ca-signer';
import { crlDistributionPoints } from '../crl/crl-distribution-point';
import { ocspUrls } from '../ocsp/ocsp-url';

/** Certificates start a little in the past: devices' clocks run behind (RFC 5280 leaves notBefore to the CA). */
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const SERIAL_ATTEMPTS = 3;

/**
 * Issues the certificate of one approved plan, exactly as approved: subject, public key and SAN extension as the
 * DER the approval carries; key usage, EKU and validity from the plan (never past the CA's own expiry); never CA
 * flags or other extensions from the CSR, which the signer does not even see. Idempotent per enrollment: the
 * certificates table is unique on (tenant_id, enrollment_id), and a retried or duplicate job gets the stored one.
 */
@Injectable()
export class CertificateIssuer {
  constructor(
    private readonly certificates: IssuedCertificateRepository,
    private readonly signer: CaSigner,
  ) {}

  async issue(approval: SigningApproval): Promise<IssuedCertificateRow> {
    const ca = await this.signer.certificate(approval.tenantId, approval.caId);
    const now = Date.now();
    const notBefore = new Date(Math.max(now - BACKDATE_MS, ca.notBefore.getTime()));
    const notAfter = new Date(Math.min(now + approval.plan.validityDays * DAY_MS, ca.notAfter.getTime()));
    if (notAfter.getTime() <= now) throw new UnrecoverableError('ca-expired');
    const subjectDer = Buffer.from(approval.der.subject, 'base64');
    const subjectSpkiDer = Buffer.from(approval.der.subjectPublicKeyInfo, 'base64');
    const subjectAltNameDer = approval.der.subjectAltName ? Buffer.from(approval.der.subjectAltName, 'base64') : undefined;

    for (let attempt = 1; ; attempt++) {
      const serial = randomSerial();
      let certificateDer: Buffer;
      try {
        certificateDer = await this.signer.issueCertificate(approval.tenantId, approval.caId, {
          subjectDer,
          subjectSpkiDer,
          serial,
          notBefore,
          notAfter,
          digest: 'sha256',
          keyUsage: approval.plan.keyUsage,
          extendedKeyUsage: approval.plan.extendedKeyUsage,
          subjectAltNameDer,
          crlDistributionPoints: crlDistributionPoints(approval.tenantId, approval.caId),
          ocspUrls: ocspUrls(approval.tenantId, approval.caId, approval.plan.ocspUrl),
        });
      } catch {
        // The approved DER does not make a certificate (e.g. a public key the builder refuses): retrying cannot help.
        throw new UnrecoverableError('plan-not-issuable');
      }
      const row: IssuedCertificateRow = {
        id: randomUUID(),
        tenantId: approval.tenantId,
        caId: approval.caId,
        profileId: approval.profileId,
        enrollmentId: approval.enrollmentId,
        // The one serial format of the platform (what readCertificate gives): lookups by serial depend on it.
        serialHex: serialToHex(serial),
        subject: approval.plan.subject,
        notBefore,
        notAfter,
        certificateDer,
      };
      if (await this.certificates.insertIfAbsent(row)) return row;
      // Either this enrollment has its certificate already (a retried or duplicate job: return that one), or a
      // 128-bit serial collided (sign again with another).
      const existing = await this.certificates.findByEnrollment(approval.tenantId, approval.enrollmentId);
      if (existing) return existing;
      if (attempt >= SERIAL_ATTEMPTS) throw new Error('could not store the certificate');
    }
  }
}
