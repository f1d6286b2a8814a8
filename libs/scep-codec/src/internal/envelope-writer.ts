// Writing the pkcsPKIEnvelope (RFC 8894 §3.2.2, RFC 5652 §6). Shared by sealEnvelope (replies: one recipient,
// never single DES) and the test client (several recipients, single DES allowed to mimic micromdm's client).
import { randomBytes } from 'node:crypto';
import { derWriter } from '@scep/pki';
import type { CertificateInfo } from '@scep/pki';
import type { ContentCipher } from '../constants';
import { CIPHERS } from './algorithms';
import { encryptContent, withDesParity } from './content-cipher';
import { codecError } from './fail';
import { issuerAndSerialNumberOf } from './identifiers';
import { encryptKeyPkcs1 } from './key-transport';
import { OID_DATA, OID_ENVELOPED_DATA, OID_RSA_ENCRYPTION } from './oids';

const { algorithmIdentifier, integer, octetString, oid, sequence, setInOrder, tlv } = derWriter;

/**
 * EnvelopedData v0 (RFC 5652 §6.1) in a ContentInfo, DER: one KeyTransRecipientInfo v0 per recipient with
 * issuerAndSerialNumber copied from the certificate (SCEP replies never use SKI, §7.2), rsaEncryption
 * (PKCS#1 v1.5), encryptedContent [0] IMPLICIT primitive OCTET STRING.
 */
export function buildEnvelope(content: Uint8Array, recipients: readonly CertificateInfo[], cipher: ContentCipher): Buffer {
  const spec = CIPHERS[cipher];
  if (!spec) throw codecError('ALGORITHM', 'unknown content-encryption algorithm');
  for (const r of recipients) {
    if (r.publicKey.asymmetricKeyType !== 'rsa') throw codecError('ALGORITHM', 'recipient key is not RSA');
  }
  const cek = randomBytes(spec.keyLength);
  if (spec.name === 'des-cbc' || spec.name === 'des-ede3-cbc') withDesParity(cek);
  const iv = randomBytes(spec.ivLength);
  const ciphertext = encryptContent(spec, cek, iv, content);
  const recipientInfos = recipients.map((r) =>
    sequence(integer(0), issuerAndSerialNumberOf(r), algorithmIdentifier(OID_RSA_ENCRYPTION), octetString(encryptKeyPkcs1(r.publicKey, cek))),
  );
  cek.fill(0);
  const envelopedData = sequence(
    integer(0),
    setInOrder(...recipientInfos),
    sequence(oid(OID_DATA), sequence(oid(spec.oid), octetString(iv)), tlv(0x80, ciphertext)),
  );
  return sequence(oid(OID_ENVELOPED_DATA), tlv(0xa0, envelopedData));
}

