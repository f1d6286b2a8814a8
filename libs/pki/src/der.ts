// OWNER: codec helper. PEM/DER/base64 conversions shared by every lib.
import { PkiError } from './errors';

/** All PEM blocks with the given label (any label when omitted), decoded to DER. */
export function pemBlocks(pem: string, label?: string): Buffer[] {
  void pem; void label; void PkiError;
  throw new Error('not implemented');
}

/** The first PEM block (with the label, when given) as DER; throws PkiError MALFORMED_PEM. */
export function pemToDer(pem: string, label?: string): Buffer {
  void pem; void label;
  throw new Error('not implemented');
}

/** DER to PEM with 64-column base64 lines and a trailing newline. */
export function derToPem(der: Uint8Array, label: string): string {
  void der; void label;
  throw new Error('not implemented');
}

/** An ArrayBuffer holding exactly these bytes (what asn1js/pkijs want). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  void bytes;
  throw new Error('not implemented');
}
