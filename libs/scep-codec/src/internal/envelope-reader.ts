// Reading the pkcsPKIEnvelope (RFC 5652 §6.1, RFC 8894 §3.2.2) and decrypting it for one recipient.
// Structure errors throw (callers turn every one of them into the same DECRYPT error, §13).
import { berChildren, berOid, berSmallInteger, berStringOctets, readBerStrict } from '@scep/pki';
import type { BerNode } from '@scep/pki';
import type { KeyObject } from 'node:crypto';
import { DIGEST_OIDS } from './algorithms';
import type { CipherSpec } from './algorithms';
import { readContentInfo } from './cms';
import { decryptContent } from './content-cipher';
import { codecError } from './fail';
import { readIdentifier } from './identifiers';
import type { CmsIdentifier } from './identifiers';
import { decryptKeyOaep, decryptKeyPkcs1 } from './key-transport';
import { OID_ENVELOPED_DATA, OID_MGF1, OID_RSA_ENCRYPTION, OID_RSAES_OAEP } from './oids';

/** Input limit (scep-protocol.md §13). */
export const MAX_RECIPIENT_INFOS = 10;

export interface KeyTransRecipient {
  readonly rid: CmsIdentifier;
  readonly keyEncryptionAlgorithmOid: string;
  readonly keyEncryptionParameters?: BerNode;
  readonly encryptedKey: Buffer;
}

export interface EnvelopeParts {
  readonly recipients: readonly KeyTransRecipient[];
  readonly cipherOid: string;
  readonly cipherParameters?: BerNode;
  readonly ciphertext: Buffer;
}

/**
 * EnvelopedData ::= SEQUENCE { version, originatorInfo [0] OPTIONAL, recipientInfos SET, encryptedContentInfo,
 * unprotectedAttrs [1] OPTIONAL } (RFC 5652 §6.1), in a ContentInfo or bare.
 */
export function readEnvelope(bytes: Uint8Array): EnvelopeParts {
  let node = readBerStrict(bytes);
  if (node.tag === 0x30) {
    const first = berChildren(node, 5)[0];
    if (first?.tag === 0x06) {
      const { contentType, content } = readContentInfo(node);
      if (contentType !== OID_ENVELOPED_DATA || !content) throw new TypeError('not an EnvelopedData');
      node = content;
    }
  }
  if (node.tag !== 0x30) throw new TypeError('EnvelopedData is not a SEQUENCE');
  const parts = berChildren(node, 5);
  let i = 0;
  berSmallInteger(parts[i++]); // version 0 or 2: not checked, clients get it wrong
  if (parts[i]?.tag === 0xa0) i++; // originatorInfo
  const recipientSet = parts[i++];
  if (recipientSet?.tag !== 0x31) throw new TypeError('bad recipientInfos');
  const recipients: KeyTransRecipient[] = [];
  for (const info of berChildren(recipientSet, MAX_RECIPIENT_INFOS)) {
    // Only KeyTransRecipientInfo (a SEQUENCE); kari [1], kekri [2], pwri [3], ori [4] are skipped.
    if (info.tag !== 0x30) continue;
    const [, rid, keyAlg, encryptedKey] = berChildren(info, 4);
    if (!encryptedKey || keyAlg.tag !== 0x30 || (encryptedKey.tag !== 0x04 && encryptedKey.tag !== 0x24)) {
      throw new TypeError('bad KeyTransRecipientInfo');
    }
    const [algOid, algParams] = berChildren(keyAlg, 2);
    recipients.push({
      rid: readIdentifier(rid),
      keyEncryptionAlgorithmOid: berOid(algOid),
      keyEncryptionParameters: algParams,
      encryptedKey: berStringOctets(encryptedKey),
    });
  }
  const eci = parts[i]; // then unprotectedAttrs [1], ignored
  if (eci?.tag !== 0x30) throw new TypeError('bad encryptedContentInfo');
  // EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OPTIONAL }
  const [, cipherAlg, encrypted] = berChildren(eci, 3);
  if (cipherAlg?.tag !== 0x30 || !encrypted || encrypted.tagClass !== 0x80 || encrypted.tagNumber !== 0) {
    throw new TypeError('bad encryptedContentInfo');
  }
  const [cipherOidNode, cipherParameters] = berChildren(cipherAlg, 2);
  // [0] IMPLICIT OCTET STRING: primitive (0x80), or constructed chunks (0xA0) in BER; old Go pkcs7 wrote
  // [0] EXPLICIT OCTET STRING, which reads the same way as one chunk (micromdm/scep#76).
  return { recipients, cipherOid: berOid(cipherOidNode), cipherParameters, ciphertext: berStringOctets(encrypted) };
}

/** The IV from the cipher parameters (an OCTET STRING of the block size for every cipher we know). */
function readIv(spec: CipherSpec, parameters: BerNode | undefined): Buffer {
  if (!parameters || (parameters.tag !== 0x04 && parameters.tag !== 0x24)) throw new TypeError('missing IV');
  const iv = berStringOctets(parameters);
  if (iv.length !== spec.ivLength) throw new TypeError('bad IV length');
  return iv;
}

const OAEP_HASHES = new Map<string, string>(Object.entries(DIGEST_OIDS).map(([name, o]) => [o, name]));

/**
 * RSAES-OAEP-params (RFC 4055 §4.1 / RFC 3560): hashAlgorithm [0] (default SHA-1), maskGenAlgorithm [1]
 * (default MGF1 with SHA-1), pSourceAlgorithm [2] (default empty label). Supported when MGF1 uses the same hash
 * and the label is empty, which is what every encoder writes; undefined otherwise.
 */
function oaepHashOf(parameters: BerNode | undefined): string | undefined {
  if (!parameters || parameters.tag === 0x05) return 'sha1';
  let hash = 'sha1';
  let mgfHash = 'sha1';
  for (const field of berChildren(parameters, 3)) {
    const [alg] = berChildren(field, 1);
    const [algOid, algParams] = berChildren(alg, 2);
    if (field.tag === 0xa0) {
      const name = OAEP_HASHES.get(berOid(algOid));
      if (!name) return undefined;
      hash = name;
    } else if (field.tag === 0xa1) {
      if (berOid(algOid) !== OID_MGF1 || !algParams) return undefined;
      const name = OAEP_HASHES.get(berOid(berChildren(algParams, 2)[0]));
      if (!name) return undefined;
      mgfHash = name;
    } else {
      return undefined; // a non-default label source
    }
  }
  return hash === mgfHash ? hash : undefined;
}


/**
 * Decrypts the CEK for `info` with `key` (PKCS#1 v1.5 with implicit rejection, or OAEP), then the content.
 * Returns undefined on every decryption failure (one outcome, no oracle); throws ScepCodecError ALGORITHM only
 * for a key-transport algorithm we do not implement.
 */
export function decryptForRecipient(parts: EnvelopeParts, info: KeyTransRecipient, key: KeyObject, spec: CipherSpec): Buffer | undefined {
  let oaepHash: string | undefined;
  if (info.keyEncryptionAlgorithmOid === OID_RSAES_OAEP) {
    try {
      oaepHash = oaepHashOf(info.keyEncryptionParameters);
    } catch {
      oaepHash = undefined;
    }
    if (!oaepHash) throw codecError('ALGORITHM', 'key-transport algorithm not accepted');
  } else if (info.keyEncryptionAlgorithmOid !== OID_RSA_ENCRYPTION) {
    throw codecError('ALGORITHM', 'key-transport algorithm not accepted');
  }
  try {
    const iv = readIv(spec, parts.cipherParameters);
    const cek = oaepHash ? { key: decryptKeyOaep(key, info.encryptedKey, oaepHash), valid: true } : decryptKeyPkcs1(key, info.encryptedKey, spec.keyLength);
    if (cek.key.length !== spec.keyLength) return undefined;
    // The content is decrypted with whatever key came out (same work either way); a bad key block fails only now.
    const content = decryptContent(spec, cek.key, iv, parts.ciphertext);
    return cek.valid ? content : undefined;
  } catch {
    return undefined;
  }
}
