/**
 * What a device sends besides its key: a self-signed certificate (the signer of its pkiMessages, RFC 8894 §2.3)
 * and a PKCS#10 CSR carrying the challenge. Built with the repository's DER writer so no openssl process is
 * spawned per request (the old bench spent most of its set-up time in openssl).
 */
import { createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { derWriter, encodeDistinguishedName } from '@scep/pki';

const { algorithmIdentifier, bitString, contextTag, integer, integerFromContent, oid, printableString, sequence, setOf, sortedSetContent, time, tlv } = derWriter;

const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const OID_CHALLENGE_PASSWORD = '1.2.840.113549.1.9.7';

const spkiOf = (key: KeyObject) => createPublicKey(key).export({ type: 'spki', format: 'der' });
const signed = (tbs: Buffer, key: KeyObject) => sequence(tbs, algorithmIdentifier(OID_SHA256_WITH_RSA), bitString(sign('sha256', tbs, key)));

/** A v3 self-signed certificate without extensions, valid from a day ago for ten years (the key pool is cached). */
export function selfSignedCertificate(key: KeyObject, commonName: string): Buffer {
  const name = encodeDistinguishedName(`CN=${commonName},O=scep-load`);
  const serial = randomBytes(8);
  serial[0] = (serial[0] as number) & 0x7f; // positive INTEGER
  const now = Date.now();
  const tbs = sequence(
    tlv(contextTag(0, true), integer(2)),
    integerFromContent(serial),
    algorithmIdentifier(OID_SHA256_WITH_RSA),
    name,
    sequence(time(new Date(now - 86_400_000)), time(new Date(now + 10 * 365 * 86_400_000))),
    name,
    spkiOf(key),
  );
  return signed(tbs, key);
}

/** PKCS#10 with the challenge as a PrintableString challengePassword (what openssl writes for such a value). */
export function csrWithChallenge(key: KeyObject, subject: string, challenge: string): Buffer {
  const attribute = sequence(oid(OID_CHALLENGE_PASSWORD), setOf([printableString(challenge)]));
  const info = sequence(integer(0), encodeDistinguishedName(subject), spkiOf(key), tlv(contextTag(0, true), sortedSetContent([attribute])));
  return signed(info, key);
}
