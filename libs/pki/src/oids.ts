// Internal: object identifiers used by the PKI helpers (RFC 5280, RFC 2986, RFC 2985, RFC 4055, RFC 5758).

// Public keys (RFC 3279 §2.3, RFC 4055 §1.2, RFC 5480 §2.1.1, RFC 8410 §3)
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

// Signature algorithms (RFC 4055 §5, RFC 5758 §3.2, RFC 8410 §3)
export const OID_SHA1_WITH_RSA = '1.2.840.113549.1.1.5';
export const OID_SHA224_WITH_RSA = '1.2.840.113549.1.1.14';
export const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
export const OID_SHA384_WITH_RSA = '1.2.840.113549.1.1.12';
export const OID_SHA512_WITH_RSA = '1.2.840.113549.1.1.13';
export const OID_ECDSA_WITH_SHA1 = '1.2.840.10045.4.1';
export const OID_ECDSA_WITH_SHA224 = '1.2.840.10045.4.3.1';
export const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
export const OID_ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';
export const OID_ECDSA_WITH_SHA512 = '1.2.840.10045.4.3.4';
export const OID_ED25519 = '1.3.101.112';
export const OID_MGF1 = '1.2.840.113549.1.1.8';

// Digests (RFC 3279 §2.2.2, RFC 5754 §2)
export const OID_SHA1 = '1.3.14.3.2.26';
export const OID_SHA224 = '2.16.840.1.101.3.4.2.4';
export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
export const OID_SHA384 = '2.16.840.1.101.3.4.2.2';
export const OID_SHA512 = '2.16.840.1.101.3.4.2.3';

// PKCS#9 attributes in a PKCS#10 request (RFC 2985 §5.4)
export const OID_CHALLENGE_PASSWORD = '1.2.840.113549.1.9.7';
export const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
/** Microsoft's pre-standard extension request attribute (same syntax as extensionRequest). */
export const OID_MS_EXTENSION_REQUEST = '1.3.6.1.4.1.311.2.1.14';

// Certificate extensions (RFC 5280 §4.2.1)
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
export const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
/** authorityInfoAccess (RFC 5280 §4.2.2.1) and its OCSP access method (RFC 6960 §3.1). */
export const OID_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';
export const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1';

// OCSP (RFC 6960 §4.2.1, §4.2.2.2, §4.4.1, §4.2.2.2.1)
export const OID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
export const OID_PKIX_OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';
export const OID_PKIX_OCSP_NOCHECK = '1.3.6.1.5.5.7.48.1.5';
/** id-kp-OCSPSigning: the extended key usage of a delegated OCSP responder (RFC 6960 §4.2.2.2). */
export const OID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
