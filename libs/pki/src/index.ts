export * from './errors';
export * from './der';
export * from './certificate-info';
export * from './name';
export * from './csr';
export * from './keys';
export * from './key-wrap';
export {
  type SignatureDigest,
  type KeyUsageBit,
  type CaCertificateRequest,
  type IssueCertificateRequest,
  buildSelfSignedCaCertificate,
  issueCertificate,
  randomSerial,
} from './certificate-builder';
export * from './crl-builder';
export * from './ocsp';
// The DER writer as one namespace (derWriter.sequence, derWriter.oid, ...): its names are too generic to export flat.
export * as derWriter from './der-writer';
export { withoutStackTraces } from './crypto-calls';
