import { createHash } from 'node:crypto';
import { readCertificate } from '@scep/pki';
import { ChallengeServiceError } from '../challenge-errors';

/** What Intune's successNotification says about the issued certificate (scep-protocol.md §12.2 step 5). */
export interface IssuedCertificateFacts {
  /** Upper-case hex SHA-1 of the DER (Windows thumbprint). */
  readonly certificateThumbprint: string;
  /** Upper-case hex, no separators. */
  readonly certificateSerialNumber: string;
  /** ISO 8601 UTC. */
  readonly certificateExpirationDateUtc: string;
  /** RFC 4514 issuer DN. */
  readonly issuingCertificateAuthority: string;
}

export function issuedCertificateFacts(certificateDer: Buffer): IssuedCertificateFacts {
  let certificate;
  try {
    certificate = readCertificate(certificateDer);
  } catch {
    throw new ChallengeServiceError('CERTIFICATE_UNREADABLE', 'the issued certificate is not a readable X.509 certificate', 'outcome.certificateDer');
  }
  return {
    certificateThumbprint: createHash('sha1').update(certificate.der).digest('hex').toUpperCase(),
    certificateSerialNumber: certificate.serialHex.toUpperCase(),
    certificateExpirationDateUtc: certificate.notAfter.toISOString(),
    issuingCertificateAuthority: certificate.issuer,
  };
}
