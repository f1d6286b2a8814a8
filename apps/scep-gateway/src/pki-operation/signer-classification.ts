import { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '@scep/pki';
import type { CaGeneration } from '../endpoints/scep-endpoint';

/**
 * Who signed a request (scep-protocol.md §10: classify renewal by the signer certificate, not by messageType):
 * - issued: a certificate one of the profile's CAs signed (a renewal, authenticated by that certificate);
 * - self-signed: a throw-away signer (initial enrollment: challenge + proof of possession);
 * - foreign: anything else (another CA's certificate).
 */
export type SignerKind = { readonly kind: 'issued'; readonly generation: CaGeneration } | { readonly kind: 'self-signed' } | { readonly kind: 'foreign' };

export function classifySigner(signer: CertificateInfo, generations: readonly CaGeneration[]): SignerKind {
  for (const generation of generations) {
    if (!signer.issuerDer.equals(generation.ca.subjectDer)) continue;
    // Same issuer name is not enough: the CA's key must have signed it.
    if (verifiesWith(signer, generation.ca)) return { kind: 'issued', generation };
  }
  return signer.selfIssued ? { kind: 'self-signed' } : { kind: 'foreign' };
}

function verifiesWith(certificate: CertificateInfo, issuer: CertificateInfo): boolean {
  try {
    return new X509Certificate(certificate.der).verify(issuer.publicKey);
  } catch {
    return false;
  }
}
