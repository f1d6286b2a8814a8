// Test support: re-encodes DER as BER the way streaming encoders (Apple, OpenSSL -stream) do: indefinite
// lengths on constructed values and OCTET STRINGs split into constructed chunks.
import { berBytes, berChildren, berContent, readBerStrict } from '@scep/pki';
import type { BerNode } from '@scep/pki';

export interface BerifyOptions {
  /** Nodes to copy verbatim (e.g. signedAttrs, certificates). */
  readonly keep?: (node: BerNode, path: readonly number[]) => boolean;
  /** Chunk size for OCTET STRINGs ([0] IMPLICIT ones too). */
  readonly chunk?: number;
}

function header(tag: number, length: number | 'indefinite'): Buffer {
  if (length === 'indefinite') return Buffer.from([tag, 0x80]);
  if (length < 0x80) return Buffer.from([tag, length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}

function encode(node: BerNode, path: readonly number[], options: BerifyOptions): Buffer {
  if (options.keep?.(node, path)) return Buffer.from(berBytes(node));
  const chunk = options.chunk ?? 7;
  if (!node.constructed) {
    const content = berContent(node);
    // OCTET STRING (0x04) and [0] IMPLICIT OCTET STRING (0x80) become constructed chunks.
    if ((node.tag === 0x04 || node.tag === 0x80) && content.length > chunk) {
      const parts: Buffer[] = [header(node.tag | 0x20, 'indefinite')];
      for (let i = 0; i < content.length; i += chunk) {
        const piece = content.subarray(i, i + chunk);
        parts.push(header(0x04, piece.length), piece);
      }
      parts.push(Buffer.from([0, 0]));
      return Buffer.concat(parts);
    }
    return Buffer.from(berBytes(node));
  }
  if (node.tag < 0) return Buffer.from(berBytes(node));
  const children = berChildren(node).map((c, i) => encode(c, [...path, i], options));
  return Buffer.concat([header(node.tag, 'indefinite'), ...children, Buffer.from([0, 0])]);
}

export function berify(der: Uint8Array, options: BerifyOptions = {}): Buffer {
  return encode(readBerStrict(der), [], options);
}
