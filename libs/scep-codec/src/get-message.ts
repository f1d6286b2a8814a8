// OWNER: codec helper. scep-protocol.md §2.3: liberal decoding of GET PKIOperation `message=`.

/**
 * Finds `message=` in a raw query string (without form-decoding), percent-decodes, maps spaces to '+',
 * drops CR/LF/TAB, maps base64url to base64, re-pads and decodes strictly. Returns undefined when absent
 * or when the result is not a DER SEQUENCE (caller answers 400).
 */
export function decodeGetMessageParam(rawQuery: string): Buffer | undefined {
  void rawQuery;
  throw new Error('not implemented');
}
