import { Injectable, Logger } from '@nestjs/common';
import type { OcspRespond, RpcRequest, RpcResponse } from '@scep/contracts';
import { IssuedCertificateReader } from '@scep/persistence-read';
import { type CrlReason, type OcspCertStatus, OcspRequestError, buildOcspResponse, certIdNamesIssuer, readOcspRequest } from '@scep/pki';
import { policyConfig } from '../policy-config';
import { OcspSigningMaterials } from './ocsp-signing-material';
import { TokenBuckets } from './token-buckets';

type Answer = RpcResponse<typeof OcspRespond>;

/**
 * The OCSP responder (RFC 6960) of every CA, behind the gateway's /ocsp/{tenantId}/{caId}: reads the request itself,
 * looks up each certificate's status in the signer's table (good, revoked with time and reason, unknown when this CA
 * never issued it), and signs with the CA's delegated responder key, echoing the nonce when the request has one
 * (RFC 8954). Responses to requests without a nonce are the same for everyone until they are renewed: the gateway
 * caches them (docs/adr/010-revocation-crl-ocsp.md). Signatures per CA are rate-limited so that a flood of requests
 * (every one with a fresh nonce) cannot take this service's CPU from enrollments.
 */
@Injectable()
export class OcspResponder {
  private readonly logger = new Logger(OcspResponder.name);
  private readonly config = policyConfig();
  private readonly signatures = new TokenBuckets(this.config.POLICY_OCSP_SIGNATURES_PER_SECOND_PER_CA, this.config.POLICY_OCSP_SIGNATURES_PER_SECOND_PER_CA * 2);

  constructor(
    private readonly materials: OcspSigningMaterials,
    private readonly certificates: IssuedCertificateReader,
  ) {}

  async respond(request: RpcRequest<typeof OcspRespond>): Promise<Answer> {
    let parsed;
    try {
      parsed = readOcspRequest(Buffer.from(request.requestDer, 'base64'));
    } catch (error) {
      if (error instanceof OcspRequestError) return { result: 'refused', status: 'malformedRequest', reason: `${error.field}: ${error.message}`.slice(0, 200) };
      throw error;
    }
    const { ca, material } = await this.materials.get(request.tenantId, request.caId);
    // RFC 5019 §2.2.3: a responder not authoritative for the CA answers unauthorized.
    if (!ca) return { result: 'refused', status: 'unauthorized', reason: 'no such CA in this tenant' };
    if (!material) return { result: 'refused', status: 'tryLater', reason: 'the CA has no OCSP responder yet' };
    if (!this.signatures.take(request.caId)) return { result: 'refused', status: 'tryLater', reason: 'signature rate limit of the CA reached' };

    const ours = parsed.certIds.filter((certId) => certIdNamesIssuer(certId, ca));
    const statuses = await this.certificates.statuses(request.tenantId, request.caId, [...new Set(ours.map((c) => c.serialHex))]);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const validityMs = this.config.POLICY_OCSP_RESPONSE_VALIDITY_MINUTES * 60_000;
    const nextUpdate = new Date(Math.min(now.getTime() + validityMs, material.responder.notAfter.getTime()));
    if (nextUpdate.getTime() <= now.getTime()) return { result: 'refused', status: 'tryLater', reason: 'the OCSP responder certificate has expired' };
    const responseDer = buildOcspResponse({
      responder: material.responder,
      responderKey: material.responderKey,
      certificates: [material.responder.der],
      responses: parsed.certIds.map((certId) => ({ certIdDer: certId.der, status: ours.includes(certId) ? statusOf(statuses.get(certId.serialHex)) : { kind: 'unknown' } })),
      producedAt: now,
      thisUpdate: now,
      nextUpdate,
      ...(parsed.nonce ? { nonce: parsed.nonce } : {}),
      digest: 'sha256',
    });
    // A cached answer is renewed at half its validity: relying parties that cache it until nextUpdate see a revocation
    // at most one validity late, those asking the gateway at most half of it plus the gateway's own check (ADR 010).
    const cacheUntil = new Date(now.getTime() + (nextUpdate.getTime() - now.getTime()) / 2);
    return { result: 'response', responseDer: responseDer.toString('base64'), thisUpdate: now.toISOString(), nextUpdate: nextUpdate.toISOString(), cacheUntil: cacheUntil.toISOString() };
  }
}

function statusOf(stored: { revokedAt: Date | null; reason: number | null } | undefined): OcspCertStatus {
  if (!stored) return { kind: 'unknown' };
  if (!stored.revokedAt) return { kind: 'good' };
  // RFC 5280 §5.3.1: "unspecified" SHOULD be absent, as on the CRL.
  return stored.reason === null || stored.reason === 0 ? { kind: 'revoked', revokedAt: stored.revokedAt } : { kind: 'revoked', revokedAt: stored.revokedAt, reason: stored.reason as CrlReason };
}
