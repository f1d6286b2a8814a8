import { Injectable } from '@nestjs/common';
import { type CertificateInfo, type CrlRequest, type IssueCertificateRequest, buildCrl, issueCertificate } from '@scep/pki';
import { IssuingCaCache } from '../signing/issuing-ca.cache';

/** What the CA signs, without the CA: the issuer certificate and key are the signer's to add. */
export type CaCertificateRequest = Omit<IssueCertificateRequest, 'issuer' | 'issuerKey'>;
export type CaCrlRequest = Omit<CrlRequest, 'issuer' | 'issuerKey'>;

/**
 * The one place a CA private key signs anything once the CA exists: certificates (devices, RA credentials, OCSP
 * responders) and CRLs. Everything else sees the CA's public certificate only. A signing back end other than keys in
 * memory (an HSM) replaces this class and nothing else. (The self-signature of a new CA is made where its key is
 * born: key-management/ca-generator.service.ts.)
 */
@Injectable()
export class CaSigner {
  constructor(private readonly cas: IssuingCaCache) {}

  /** The CA's certificate, for validity limits and names; fails the job permanently for a CA that is not the tenant's. */
  async certificate(tenantId: string, caId: string): Promise<CertificateInfo> {
    return (await this.cas.get(tenantId, caId)).certificate;
  }

  async issueCertificate(tenantId: string, caId: string, request: CaCertificateRequest): Promise<Buffer> {
    const ca = await this.cas.get(tenantId, caId);
    return issueCertificate({ ...request, issuer: ca.certificate, issuerKey: ca.privateKey });
  }

  async signCrl(tenantId: string, caId: string, request: CaCrlRequest): Promise<Buffer> {
    const ca = await this.cas.get(tenantId, caId);
    return buildCrl({ ...request, issuer: ca.certificate, issuerKey: ca.privateKey });
  }
}
