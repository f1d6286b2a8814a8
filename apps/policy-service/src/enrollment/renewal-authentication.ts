import { Injectable } from '@nestjs/common';
import { ScepCodecError, parsePkiMessage, verifyPkiMessage } from '@scep/codec';
import type { RenewalClaim } from '@scep/contracts';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { IssuedCertificateReader, type ProfileSettingsRecord } from '@scep/persistence-read';
import { PkiError, readCertificate, spkiFingerprint } from '@scep/pki';
import type { RenewalFacts } from '../decision/renewal-rules';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';

/** What the gateway says about the request besides the renewal claim. */
export interface RenewalRequest {
  readonly tenantId: string;
  readonly transactionId: string;
  readonly messageType: number;
  readonly signerFingerprint: string;
  readonly renewal: RenewalClaim;
}

/**
 * A renewal is authenticated by the certificate it renews, so the policy service checks that itself instead of
 * believing the gateway (docs/adr/007-enrollment-path-v2.md, "Renewal"): the certificate is read from the issuance
 * store by CA and serial, and the pkiMessage the gateway forwards must carry this transaction and be signed with that
 * certificate's key. Everything the rules look at — subject, SANs, validity, revocation, the profile that issued it,
 * how often it renewed — comes from the store, never from the request.
 */
@Injectable()
export class RenewalAuthentication {
  constructor(
    private readonly certificates: IssuedCertificateReader,
    private readonly transactions: EnrollmentTransactionRepository,
    private readonly profiles: ProfileSettingsCache,
  ) {}

  async factsOf(request: RenewalRequest, profile: ProfileSettingsRecord): Promise<RenewalFacts> {
    const stored = await this.certificates.findBySerial(request.tenantId, request.renewal.caId, request.renewal.serialHex);
    if (!stored) return unknown('not a certificate this CA issued');
    const certificate = readCertificate(stored.certificateDer);
    const signatureProblem = this.signatureProblem(request, certificate.serialHex, spkiFingerprint(certificate.spkiDer));
    if (signatureProblem) return unknown(signatureProblem);
    const issuedBy = stored.profileId === profile.profileId ? 'self' : { profileSlug: (await this.profiles.get(stored.tenantId, stored.profileId))?.slug ?? 'deleted profile' };
    return {
      known: true,
      subject: stored.subject,
      // The same reading of names as the CSR's (request-csr.ts), so that the two compare.
      subjectAltNames: (certificate.subjectAltNames ?? []).map((san) => (san.type === 'other' ? { type: 'other', value: String(san.tag) } : { type: san.type, value: san.value })),
      notBefore: stored.notBefore,
      notAfter: stored.notAfter,
      revoked: stored.revokedAt !== null,
      issuedBy,
      renewalsSoFar: await this.transactions.renewalsOf(request.tenantId, stored.serialHex),
    };
  }

  /** Why the forwarded pkiMessage does not prove possession of the stored certificate's key, if it does not. */
  private signatureProblem(request: RenewalRequest, serialHex: string, keyFingerprint: string): string | undefined {
    try {
      const message = parsePkiMessage(Buffer.from(request.renewal.signedMessage, 'base64'));
      if (message.transactionId !== request.transactionId || message.messageType !== request.messageType) {
        return 'the signed pkiMessage is for another transaction';
      }
      const signer = verifyPkiMessage(message);
      if (signer.serialHex !== serialHex || spkiFingerprint(signer.spkiDer) !== keyFingerprint || request.signerFingerprint !== keyFingerprint) {
        return 'the pkiMessage is not signed by the renewed certificate';
      }
      return undefined;
    } catch (error) {
      if (error instanceof ScepCodecError || error instanceof PkiError) return 'the pkiMessage signature does not verify';
      throw error;
    }
  }
}

function unknown(reason: string): RenewalFacts {
  return {
    known: false,
    unknownReason: reason,
    subject: '',
    subjectAltNames: [],
    notBefore: new Date(0),
    notAfter: new Date(0),
    revoked: false,
    issuedBy: 'self',
    renewalsSoFar: 0,
  };
}
