// OWNER: codec helper.

/** Degenerate certs-only SignedData in a ContentInfo, certificates in the given order (never sorted). DER. */
export function buildCertsOnly(certificates: readonly Buffer[], crls?: readonly Buffer[]): Buffer {
  void certificates; void crls;
  throw new Error('not implemented');
}

/** Reads the certificates (in order) and CRLs out of a certs-only SignedData ContentInfo (BER tolerated). */
export function readCertsOnly(der: Uint8Array): { certificates: Buffer[]; crls: Buffer[] } {
  void der;
  throw new Error('not implemented');
}
