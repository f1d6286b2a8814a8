import { createHash } from 'node:crypto';
import { ChallengeVerify, csrFacts as csrFactsSchema } from '@scep/contracts';
import { PkiError, parseCsr, spkiFingerprint } from '@scep/pki';
import type { CsrFacts } from '../decision/evaluate';

/** A device's PKCS#10 request as the policy service reads it — itself, once, from the bytes the gateway decrypted. */
export interface RequestCsr {
  readonly der: Buffer;
  /** SHA-256 of the CSR DER (what identifies "the same request" in a resend). */
  readonly fingerprint: string;
  /** SHA-256 of the SubjectPublicKeyInfo. */
  readonly keyFingerprint: string;
  readonly facts: CsrFacts & { readonly keyFingerprint: string };
  readonly subjectDer: Buffer;
  readonly spkiDer: Buffer;
  readonly subjectAltNameDer?: Buffer;
  /** Secret: never logged. */
  readonly challengePassword?: string;
  readonly signatureValid: boolean;
}

export type CsrReading = { readonly ok: true; readonly csr: RequestCsr } | { readonly ok: false; readonly reason: string };

/**
 * Parses and bounds a CSR. A CSR beyond what the contracts carry (subject length, SAN count, challenge length) is a
 * bad request, not an error further down.
 */
export function readRequestCsr(der: Buffer): CsrReading {
  let parsed;
  try {
    parsed = parseCsr(der);
  } catch (error) {
    if (error instanceof PkiError) return { ok: false, reason: `csr ${error.code.toLowerCase()}` };
    throw error;
  }
  const keyFingerprint = spkiFingerprint(parsed.spkiDer);
  const facts = {
    subject: parsed.subject,
    keyFingerprint,
    subjectAltNames: parsed.subjectAltNames.map((san) => (san.type === 'other' ? { type: 'other', value: String(san.tag) } : { type: san.type, value: san.value })),
    keyAlgorithm: parsed.keyAlgorithm,
    keySize: parsed.keySize,
  };
  if (!csrFactsSchema.safeParse(facts).success || !ChallengeVerify.request.shape.challenge.safeParse(parsed.challengePassword).success) {
    return { ok: false, reason: 'CSR exceeds the platform limits' };
  }
  return {
    ok: true,
    csr: {
      der,
      fingerprint: createHash('sha256').update(der).digest('hex'),
      keyFingerprint,
      facts,
      subjectDer: parsed.subjectDer,
      spkiDer: parsed.spkiDer,
      subjectAltNameDer: parsed.subjectAltNameDer,
      challengePassword: parsed.challengePassword,
      signatureValid: parsed.signatureValid,
    },
  };
}
