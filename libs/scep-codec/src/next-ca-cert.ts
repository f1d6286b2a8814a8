// GetNextCACert response (RFC 8894 §4.7.1, scep-protocol.md §8.2).
import type { KeyObject } from 'node:crypto';
import type { CertificateInfo } from '@scep/pki';
import { buildCertsOnly } from './certs-only';
import { buildSignedMessage } from './internal/signed-message';

export interface NextCaCertInput {
  /** The next CA's certificates as clients should store them: next RA first, then the next CA (and chain). */
  readonly certificates: readonly Buffer[];
  /** The *current* RA (or CA) that signs the announcement: clients verify it with what GetCACert gave them. */
  readonly signer: { readonly certificate: CertificateInfo; readonly privateKey: KeyObject };
}

/**
 * `application/x-x509-next-ca-cert` body: a SignedData signed by the current key whose content is a degenerate
 * certs-only SignedData with the new certificates. jscep reads the new certificates from the outer
 * `certificates` field instead, so they are put in both places (§8.2).
 */
export function buildNextCaCertResponse(input: NextCaCertInput): Buffer {
  return buildSignedMessage({
    digest: 'sha256',
    content: buildCertsOnly(input.certificates),
    certificates: input.certificates,
    signer: input.signer.certificate,
    signerKey: input.signer.privateKey,
    attributes: [],
    signingTime: new Date(),
    signatureAlgorithm: 'rsaEncryption',
  });
}
