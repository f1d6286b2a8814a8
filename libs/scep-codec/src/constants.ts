// OWNER: codec helper. RFC 8894 code points. Names follow the RFC.

/** RFC 8894 §3.2.1.2 messageType. */
export enum MessageType {
  /** §3.3.2 response to any request */
  CertRep = 3,
  /** §3.3.1.2 renewal, signed by an existing certificate */
  RenewalReq = 17,
  /** §3.3.1 certificate request */
  PKCSReq = 19,
  /** §3.3.3 poll a pending request (GetCertInitial) */
  CertPoll = 20,
  /** §3.3.4 fetch a certificate by issuer and serial */
  GetCert = 21,
  /** §3.3.4 fetch a CRL */
  GetCRL = 22,
}

/** RFC 8894 §3.2.1.3 pkiStatus. */
export enum PkiStatus {
  Success = 0,
  Failure = 2,
  Pending = 3,
}

/** RFC 8894 §3.2.1.4 failInfo. */
export enum FailInfo {
  /** unrecognized or unsupported algorithm */
  BadAlg = 0,
  /** integrity check (signature) failed */
  BadMessageCheck = 1,
  /** transaction not permitted or supported */
  BadRequest = 2,
  /** signingTime not close enough to the system time */
  BadTime = 3,
  /** no certificate could be identified matching the criteria */
  BadCertId = 4,
}

export type DigestName = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Content-encryption algorithms of the pkcsPKIEnvelope (RFC 8894 §3.2.2); 'des-cbc' is read in requests only. */
export const CONTENT_CIPHERS = ['des-cbc', 'des-ede3-cbc', 'aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc'] as const;
export type ContentCipher = (typeof CONTENT_CIPHERS)[number];

/** Exact HTTP Content-Type values (no parameters), RFC 8894 §4. */
export const ContentTypes = {
  caps: 'text/plain',
  caCert: 'application/x-x509-ca-cert',
  caRaCert: 'application/x-x509-ca-ra-cert',
  nextCaCert: 'application/x-x509-next-ca-cert',
  pkiMessage: 'application/x-pki-message',
} as const;
