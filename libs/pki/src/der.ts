// OWNER: codec helper. PEM/DER/base64 conversions shared by every lib.
import { PkiError } from './errors';

// The lib's BER/DER reader (hot-path ASN.1 walking). Exported from here because index.ts re-exports this file.
export * from './ber-walk';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9][A-Z0-9 ]*)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** All PEM blocks with the given label (any label when omitted), decoded to DER. Blocks with bad base64 are skipped. */
export function pemBlocks(pem: string, label?: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    if (label !== undefined && m[1] !== label) continue;
    // RFC 7468 §2: whitespace anywhere; legacy RFC 1421 headers ("Proc-Type: ...") end at the first blank line.
    let body = m[2];
    if (body.includes(':')) {
      const blank = body.search(/\r?\n\r?\n/);
      body = blank >= 0 ? body.slice(blank) : body;
    }
    const compact = body.replace(/\s+/g, '');
    if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) continue;
    out.push(Buffer.from(compact, 'base64'));
  }
  return out;
}

/** The first PEM block (with the label, when given) as DER; throws PkiError MALFORMED_PEM. */
export function pemToDer(pem: string, label?: string): Buffer {
  const [first] = pemBlocks(pem, label);
  if (!first) throw new PkiError('MALFORMED_PEM', label ? `no PEM block labelled ${label}` : 'no PEM block');
  return first;
}

/** DER to PEM with 64-column base64 lines and a trailing newline. */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${label}-----\n`;
}

/** An ArrayBuffer holding exactly these bytes (what asn1js/pkijs want). Copies unless the view spans its whole buffer. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) return buffer;
  const copy = new ArrayBuffer(byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}
