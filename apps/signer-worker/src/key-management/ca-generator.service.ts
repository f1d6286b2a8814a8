import { Injectable } from '@nestjs/common';
import { CaKeyStore } from '@scep/ca-keystore';
import type { GenerateCa, JobPayload, JobResult } from '@scep/contracts';
import { CertificateAuthorityEntity, CertificateAuthorityRepository } from '@scep/persistence-issuance';
import {
  buildSelfSignedCaCertificate,
  formatDistinguishedName,
  generateRsaKeyPair,
  randomSerial,
} from '@scep/pki';
import { CrlIssuer } from '../crl/crl-issuer.service';
import { OcspResponderIssuer } from '../ocsp/ocsp-responder-issuer.service';
import { subjectNameOrFail } from './subject-name';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Generates a tenant's root CA: the key is born here, wrapped under the CA KEK, and never leaves the signer. */
@Injectable()
export class CaGenerator {
  constructor(
    private readonly cas: CertificateAuthorityRepository,
    private readonly keys: CaKeyStore,
    private readonly crls: CrlIssuer,
    private readonly responders: OcspResponderIssuer,
  ) {}

  async generate(payload: JobPayload<typeof GenerateCa>): Promise<JobResult<typeof GenerateCa>> {
    const existing = await this.cas.find(payload.tenantId, payload.caId);
    if (existing) return toResult(existing);

    const subjectDer = subjectNameOrFail(payload.subjectDn);
    const keyPair = await generateRsaKeyPair(payload.keySize);
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(notBefore.getTime() + payload.validityDays * DAY_MS);
    const certificateDer = buildSelfSignedCaCertificate({ subjectDer, keyPair, notBefore, notAfter, digest: 'sha256', serial: randomSerial() });
    const row = Object.assign(new CertificateAuthorityEntity(), {
      id: payload.caId,
      tenantId: payload.tenantId,
      name: payload.name,
      subject: formatDistinguishedName(subjectDer),
      certificateDer,
      keySpec: `rsa-${payload.keySize}`,
      notBefore,
      notAfter,
    });
    await this.cas.insert(row, (manager) => this.keys.store(manager, payload.tenantId, payload.caId, keyPair.privateKey));
    // A CA is born with an (empty) CRL and an OCSP responder, so GetCRL, the distribution point and the OCSP responder
    // answer from the first minute.
    await this.crls.issue(payload.tenantId, payload.caId);
    await this.responders.issue(payload.tenantId, payload.caId);
    return toResult(row);
  }
}

function toResult(row: CertificateAuthorityEntity): JobResult<typeof GenerateCa> {
  return { caId: row.id, certificateDer: row.certificateDer.toString('base64'), notAfter: row.notAfter.toISOString() };
}
