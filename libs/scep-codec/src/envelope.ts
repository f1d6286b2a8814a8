// OWNER: codec helper. pkcsPKIEnvelope (EnvelopedData) open/seal (scep-protocol.md §5.3 step 6, §7, §14).
import type { KeyObject } from 'node:crypto';
import type { CertificateInfo } from '@scep/pki';
import type { ContentCipher } from './constants';
import { ScepCodecError } from './errors';
import { ALL_CIPHERS, cipherByOid } from './internal/algorithms';
import { decryptForRecipient, MAX_RECIPIENT_INFOS, readEnvelope } from './internal/envelope-reader';
import type { EnvelopeParts, KeyTransRecipient } from './internal/envelope-reader';
import { buildEnvelope } from './internal/envelope-writer';
import { codecError, guard } from './internal/fail';
import { identifierMatches } from './internal/identifiers';
import type { CmsIdentifier } from './internal/identifiers';
import { rsaModulusOctets } from './internal/key-transport';

export interface RecipientKey {
  readonly certificate: CertificateInfo;
  readonly privateKey: KeyObject;
}

export interface OpenedEnvelope {
  readonly content: Buffer;
  readonly contentCipher: ContentCipher;
  /** The recipient whose key opened it. */
  readonly recipient: RecipientKey;
}

export interface OpenEnvelopeOptions {
  /** Ciphers the caller accepts. Default: all of ContentCipher (single DES for requests only). */
  readonly allowedCiphers?: readonly ContentCipher[];
}

/** Input limits applied by openEnvelope (scep-protocol.md §13). */
export const ENVELOPE_LIMITS = { maxRecipientInfos: MAX_RECIPIENT_INFOS } as const;

/** The one error for every failure to open an envelope: same code, text and failInfo, no cause (no oracle, §13). */
function decryptError(): ScepCodecError {
  return codecError('DECRYPT', 'cannot open the pkcsPKIEnvelope');
}

/**
 * Selects the RecipientInfo addressed to one of `recipients` (issuerAndSerialNumber or SKI rid), decrypts the
 * content-encryption key with RSA PKCS#1 v1.5 (RSA_NO_PADDING + branch-free unpadding with implicit
 * rejection, docs/adr/006-node-24-runtime.md), then the content. Accepts a ContentInfo(id-envelopedData) or a bare EnvelopedData,
 * primitive or constructed encryptedContent. Unsupported cipher: ScepCodecError ALGORITHM (badAlg). Every other failure
 * (no matching recipient, bad padding, wrong key, bad content padding) throws the same ScepCodecError DECRYPT (badRequest).
 */
export function openEnvelope(envelope: Uint8Array, recipients: readonly RecipientKey[], options?: OpenEnvelopeOptions): OpenedEnvelope {
  try {
    return open(envelope, recipients, options);
  } catch (e) {
    if (e instanceof ScepCodecError) throw e;
    throw decryptError();
  }
}

function open(envelope: Uint8Array, recipients: readonly RecipientKey[], options?: OpenEnvelopeOptions): OpenedEnvelope {
  let parts: EnvelopeParts;
  try {
    parts = readEnvelope(envelope);
  } catch {
    throw decryptError(); // the envelope is under the signature: a broken one is a bad request, not MALFORMED
  }
  // Algorithm policy first: naming a cipher is public information, so badAlg leaks nothing (RFC 8894 §3.3.2.2).
  const spec = cipherByOid(parts.cipherOid);
  const allowed = options?.allowedCiphers ?? ALL_CIPHERS;
  if (!spec || !allowed.includes(spec.name)) throw codecError('ALGORITHM', 'content-encryption algorithm not accepted');

  // micromdm's client encrypts to every certificate of the GetCACert bag: recipientInfos[0] may be the root (§5.3 step 6).
  let chosen: { info: KeyTransRecipient; recipient: RecipientKey } | undefined;
  for (const info of parts.recipients) {
    const recipient = recipients.find((r) => rsaModulusOctets(r.privateKey) > 0 && safeMatches(info.rid, r.certificate));
    if (recipient) {
      chosen = { info, recipient };
      break;
    }
  }
  if (!chosen) throw decryptError();

  const key = chosen.recipient.privateKey;
  const content = decryptForRecipient(parts, chosen.info, key, spec); // throws ALGORITHM or returns undefined
  if (!content) throw decryptError();
  return { content, contentCipher: spec.name, recipient: chosen.recipient };
}

function safeMatches(rid: CmsIdentifier, cert: CertificateInfo): boolean {
  try {
    return identifierMatches(rid, cert);
  } catch {
    return false;
  }
}

/**
 * EnvelopedData v0 in a ContentInfo (DER): one KeyTransRecipientInfo v0 with issuerAndSerialNumber copied from the
 * recipient certificate, rsaEncryption (PKCS#1 v1.5), encryptedContent [0] IMPLICIT primitive OCTET STRING.
 * Throws on 'des-cbc' (never used for replies).
 */
export function sealEnvelope(content: Uint8Array, recipient: CertificateInfo, cipher: ContentCipher): Buffer {
  // RFC 8894 §2.9: single DES MUST NOT be used; OpenSSL 3 clients cannot even open it (micromdm/scep#244).
  if (cipher === 'des-cbc') throw codecError('ALGORITHM', 'single DES is never used for replies');
  return guard('MALFORMED', 'cannot seal the pkcsPKIEnvelope', () => buildEnvelope(content, [recipient], cipher));
}

/** Reply cipher for a request cipher: mirror AES and 3DES; answer single DES with 3DES (never single DES). */
export function replyCipherFor(requestCipher: ContentCipher): ContentCipher {
  // Mirroring matters: Cisco IOS rejects a reply in a cipher it did not use (scep-protocol.md §7.2).
  return requestCipher === 'des-cbc' ? 'des-ede3-cbc' : requestCipher;
}
