// Internal: verification of a PKCS#10 self-signature (RFC 2986 §4.2) with node:crypto.
// WebCrypto (what pkijs would use) cannot import every key a client sends and is slower; OpenSSL via
// node:crypto verifies an RSA-2048 signature in ~16 µs.
import { constants, verify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import * as oids from './oids';

const RSA_PKCS1: Readonly<Record<string, string>> = {
  [oids.OID_SHA1_WITH_RSA]: 'sha1',
  [oids.OID_SHA224_WITH_RSA]: 'sha224',
  [oids.OID_SHA256_WITH_RSA]: 'sha256',
  [oids.OID_SHA384_WITH_RSA]: 'sha384',
  [oids.OID_SHA512_WITH_RSA]: 'sha512',
};

const ECDSA: Readonly<Record<string, string>> = {
  [oids.OID_ECDSA_WITH_SHA1]: 'sha1',
  [oids.OID_ECDSA_WITH_SHA224]: 'sha224',
  [oids.OID_ECDSA_WITH_SHA256]: 'sha256',
  [oids.OID_ECDSA_WITH_SHA384]: 'sha384',
  [oids.OID_ECDSA_WITH_SHA512]: 'sha512',
};

const DIGESTS: Readonly<Record<string, string>> = {
  [oids.OID_SHA1]: 'sha1',
  [oids.OID_SHA224]: 'sha224',
  [oids.OID_SHA256]: 'sha256',
  [oids.OID_SHA384]: 'sha384',
  [oids.OID_SHA512]: 'sha512',
};

/**
 * RSASSA-PSS parameters (RFC 4055 §3.1). OpenSSL takes the MGF1 hash from the signature digest, so only
 * the (universal) case mgf1Hash == hash with trailerField 1 is supported; anything else does not verify.
 */
function pssOptions(params: Uint8Array | undefined): { digest: string; saltLength: number } | undefined {
  let parsed: pkijs.RSASSAPSSParams;
  if (params === undefined) {
    parsed = new pkijs.RSASSAPSSParams();
  } else {
    const decoded = asn1js.fromBER(params);
    if (decoded.offset !== params.length) return undefined;
    parsed = new pkijs.RSASSAPSSParams({ schema: decoded.result });
  }
  const digest = DIGESTS[parsed.hashAlgorithm.algorithmId];
  if (!digest || parsed.maskGenAlgorithm.algorithmId !== oids.OID_MGF1 || parsed.trailerField !== 1) return undefined;
  const mgfHash = new pkijs.AlgorithmIdentifier({ schema: parsed.maskGenAlgorithm.algorithmParams });
  if (DIGESTS[mgfHash.algorithmId] !== digest) return undefined;
  return { digest, saltLength: parsed.saltLength };
}

/**
 * Verifies `signature` over `tbs` with the algorithm named by the AlgorithmIdentifier. Unknown algorithms,
 * key/algorithm mismatches and malformed parameters all yield false, never an exception.
 */
export function verifyWithAlgorithm(
  algorithm: { readonly oid: string; readonly parameters?: Uint8Array },
  tbs: Uint8Array,
  signature: Uint8Array,
  key: KeyObject,
): boolean {
  try {
    const oid = algorithm.oid;
    const keyType = key.asymmetricKeyType;
    const rsaDigest = RSA_PKCS1[oid];
    if (rsaDigest) return keyType === 'rsa' && verify(rsaDigest, tbs, key, signature);
    const ecDigest = ECDSA[oid];
    // Node's default dsaEncoding is 'der': the Ecdsa-Sig-Value SEQUENCE of RFC 3279 §2.2.3.
    if (ecDigest) return keyType === 'ec' && verify(ecDigest, tbs, key, signature);
    if (oid === oids.OID_ED25519) return keyType === 'ed25519' && verify(null, tbs, key, signature);
    if (oid === oids.OID_RSASSA_PSS) {
      if (keyType !== 'rsa' && keyType !== 'rsa-pss') return false;
      const pss = pssOptions(algorithm.parameters);
      if (!pss) return false;
      return verify(pss.digest, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }, signature);
    }
    return false;
  } catch {
    return false;
  }
}
