// OWNER: pki helper. X.501 Name helpers.

/** "CN=Example CA,O=Acme,C=US" (RFC 4514; also accepts ", " separators) to DER Name. UTF8String values, PrintableString for C. Throws PkiError MALFORMED_NAME. */
export function encodeDistinguishedName(dn: string): Buffer {
  void dn;
  throw new Error('not implemented');
}

/** DER Name to an RFC 4514 string (most specific RDN first, e.g. "CN=x,O=y"), for display. */
export function formatDistinguishedName(nameDer: Uint8Array): string {
  void nameDer;
  throw new Error('not implemented');
}
