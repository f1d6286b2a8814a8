import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { JobPayload, JobResult, SignCertificate } from '@scep/contracts';
import { isUniqueViolation } from '@scep/persistence-core';
import { IssuedCertificateEntity } from '@scep/persistence-issuance';
import { type KeyUsageBit, encodeDistinguishedName, formatDistinguishedName, issueCertificate, parseCsr, randomSerial, serialToHex } from '@scep/pki';
import { crlDistributionPoints } from '../crl/crl-distribution-point';
import { IssuingCaCache } from './issuing-ca.cache';

type SignPayload = JobPayload<typeof SignCertificate>;
type SignResult = JobResult<typeof SignCertificate>;

/** Certificates start a little in the past: devices' clocks run behind (RFC 5280 leaves notBefore to the CA). */
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Issues the certificate of one approved enrollment. Idempotent per enrollment: the certificates table is unique
 * on (tenant_id, enrollment_id), and a retried or duplicate job returns the stored certificate.
 * Subject and SAN come from the CSR as vetted by policy; key usage, EKU and validity from the profile; never CA
 * flags or other extensions from the CSR.
 */
@Injectable()
export class CertificateIssuer {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cas: IssuingCaCache,
  ) {}

  async issue(payload: SignPayload): Promise<SignResult> {
    const repository = this.dataSource.getRepository(IssuedCertificateEntity);
    const existing = await repository.findOneBy({ tenantId: payload.tenantId, enrollmentId: payload.enrollmentId });
    if (existing) return toResult(existing);

    const csr = parseCsrOrFail(payload.csrDer);
    // A subject built by policy from its template, or the CSR's own bytes.
    const subjectDer = payload.subjectDn ? encodeSubjectOrFail(payload.subjectDn) : csr.subjectDer;
    const ca = await this.cas.get(payload.tenantId, payload.caId);
    const now = Date.now();
    const notBefore = new Date(Math.max(now - BACKDATE_MS, ca.certificate.notBefore.getTime()));
    const notAfter = new Date(Math.min(now + payload.validityDays * DAY_MS, ca.certificate.notAfter.getTime()));
    if (notAfter.getTime() <= now) throw new UnrecoverableError('ca-expired');

    for (let attempt = 0; ; attempt++) {
      const serial = randomSerial();
      const der = issueCertificate({
        issuer: ca.certificate,
        issuerKey: ca.privateKey,
        subjectDer,
        subjectSpkiDer: csr.spkiDer,
        serial,
        notBefore,
        notAfter,
        digest: 'sha256',
        keyUsage: payload.keyUsage as KeyUsageBit[],
        extendedKeyUsage: payload.extendedKeyUsage,
        subjectAltNameDer: payload.copySubjectAltName ? csr.subjectAltNameDer : undefined,
        crlDistributionPoints: crlDistributionPoints(payload.tenantId, payload.caId),
      });
      const row: IssuedCertificateEntity = Object.assign(new IssuedCertificateEntity(), {
        id: randomUUID(),
        tenantId: payload.tenantId,
        caId: payload.caId,
        profileId: payload.profileId,
        enrollmentId: payload.enrollmentId,
        // The one serial format of the platform (what readCertificate gives): lookups by serial depend on it.
        serialHex: serialToHex(serial),
        subject: formatDistinguishedName(subjectDer),
        notBefore,
        notAfter,
        certificateDer: der,
      });
      try {
        await repository.insert(row);
        return toResult(row);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Either a concurrent job for the same enrollment won (return its certificate), or a 128-bit serial collided.
        const winner = await repository.findOneBy({ tenantId: payload.tenantId, enrollmentId: payload.enrollmentId });
        if (winner) return toResult(winner);
        if (attempt >= 2) throw error;
      }
    }
  }
}

function encodeSubjectOrFail(dn: string): Buffer {
  try {
    return encodeDistinguishedName(dn);
  } catch {
    throw new UnrecoverableError('invalid-subject');
  }
}

function parseCsrOrFail(csrDer: string) {
  let csr;
  try {
    csr = parseCsr(Buffer.from(csrDer, 'base64'));
  } catch {
    throw new UnrecoverableError('csr-malformed');
  }
  if (!csr.signatureValid) throw new UnrecoverableError('csr-signature-invalid');
  return csr;
}

function toResult(row: IssuedCertificateEntity): SignResult {
  return { certificateDer: row.certificateDer.toString('base64'), serialHex: row.serialHex, notAfter: row.notAfter.toISOString() };
}
