// A hostile SCEP client for the gateway fuzz test: raw HTTP over a socket (any method, path, header and body,
// no URL normalisation, no header limits), PKCS#10 requests built by hand (any subject, SANs, challenge length),
// requests re-signed with arbitrary signed attributes (transactionIDs no encoder would write), and byte mutations.
import { constants, sign, type KeyObject } from 'node:crypto';
import net from 'node:net';
import { berBytes, berChildren, readBerStrict, derWriter } from '@scep/pki';
import type { BerNode } from '@scep/pki';
import { applyByteMutation, type ByteMutation } from '@scep/codec/test-support';

const { algorithmIdentifier, bitString, integer, octetString, oid, sequence, setOf, sortedSetContent, tlv } = derWriter;

// ---------------------------------------------------------------------------------------------------------------
// Raw HTTP

export interface RawResponse {
  /** 0 when the server closed the connection without an answer (after a reset while we were still sending). */
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly reset: boolean;
}

/**
 * Sends `head` (request line + headers, CRLFs included, without the blank line) and `body`, with Connection: close,
 * and reads until the server closes. Rejects after `timeoutMs` (a hang).
 */
export function rawRequest(port: number, head: string, body: Buffer = Buffer.alloc(0), options: { timeoutMs?: number; halfClose?: boolean } = {}): Promise<RawResponse> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let reset = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${head.slice(0, 80)}…`));
    }, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {
      reset = true; // EPIPE / ECONNRESET: the server refused to read the rest
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks), reset));
    });
    socket.on('connect', () => {
      socket.write(Buffer.concat([Buffer.from(`${head}\r\nConnection: close\r\n\r\n`, 'latin1'), body]), () => undefined);
      // A client that gives up in the middle of its body: the server sees EOF before Content-Length octets.
      if (options.halfClose) socket.end();
    });
  });
}

function parseResponse(raw: Buffer, reset: boolean): RawResponse {
  // Interim 1xx answers (100 Continue) come before the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 16).toString('latin1'))) {
    const interimEnd = raw.indexOf('\r\n\r\n');
    if (interimEnd < 0) break;
    raw = raw.subarray(interimEnd + 4);
  }
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: raw, reset };
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body, reset };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(data.subarray(pos, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export function httpHead(method: string, target: string, headers: Record<string, string | number> = {}): string {
  return [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
}

// PKCS#10 by hand: buildCsr and nameOf live in @scep/testing (the policy service's integration tests use them too).
export { buildCsr, nameOf, type CsrInput } from '@scep/testing';

/** An attribute nobody reads (a private OID) carrying `size` octets: makes a CSR, hence a GET URL, as long as wanted. */
export function paddingAttribute(size: number): Buffer {
  return sequence(oid('1.3.6.1.4.1.99999.1'), setOf([octetString(Buffer.alloc(size, 0x5a))]));
}

// ---------------------------------------------------------------------------------------------------------------
// Re-signing a request with other signed attributes (what a buggy or malicious client could send, validly signed).

export const OID_SCEP = {
  transactionID: '2.16.840.1.113733.1.9.7',
  messageType: '2.16.840.1.113733.1.9.2',
  senderNonce: '2.16.840.1.113733.1.9.5',
  recipientNonce: '2.16.840.1.113733.1.9.6',
} as const;

/** An Attribute with the given value TLVs (complete encodings, so any type and any number of values). */
export function attributeOf(type: string, ...values: Buffer[]): Buffer {
  return sequence(oid(type), tlv(0x31, ...values));
}

/**
 * Replaces signed attributes of a request made by buildPkiRequest with SHA-256 (same OID = replaced, others added),
 * re-signs them with `key` and rebuilds the message. contentType and messageDigest stay, so it still verifies.
 */
export function resign(der: Buffer, key: KeyObject, replacements: readonly Buffer[]): Buffer {
  const [contentType, explicit] = children(readBerStrict(der), 2);
  const [signedData] = children(explicit, 1);
  const parts = berChildren(signedData);
  const [signerInfo] = children(parts[parts.length - 1], 1);
  const [version, sid, digestAlg, signedAttrs, signatureAlg] = children(signerInfo, 5);
  const typeOf = (attribute: Buffer) => berBytes(children(readBerStrict(attribute), 1)[0]).toString('hex');
  const replaced = new Set(replacements.map(typeOf));
  const kept = berChildren(signedAttrs)
    .map((a) => Buffer.from(berBytes(a)))
    .filter((a) => !replaced.has(typeOf(a)));
  const content = sortedSetContent([...kept, ...replacements]);
  const signature = sign('sha256', tlv(0x31, content), { key, padding: constants.RSA_PKCS1_PADDING });
  const newSignerInfo = sequence(berBytes(version), berBytes(sid), berBytes(digestAlg), tlv(0xa0, content), berBytes(signatureAlg), octetString(signature));
  const newSignedData = sequence(...parts.slice(0, -1).map((p) => berBytes(p)), tlv(0x31, newSignerInfo));
  return sequence(berBytes(contentType), tlv(0xa0, newSignedData));
}

/** The first `n` children of a constructed value (throws when there are fewer: the input is not what a test built). */
function children(node: BerNode | undefined, n: number): BerNode[] {
  const all = node ? berChildren(node) : [];
  if (all.length < n) throw new Error('unexpected pkiMessage layout');
  return all;
}

// ---------------------------------------------------------------------------------------------------------------
// Byte-level mutations and a small structural one (lengths), driven by numbers from fast-check.

/** The shared byte-level mutations plus two structural ones that keep the DER tree walkable. */
export type Mutation =
  | ByteMutation
  /** Rewrites the length of the TLV whose header starts at the n-th 0x30/0x31/0x04/0xA0 octet to 4 octets declaring `length`. */
  | { kind: 'length'; nth: number; length: number }
  /** Re-encodes the n-th definite SEQUENCE / [0] as indefinite (BER) — an Apple-style encoding, still valid when nothing else breaks. */
  | { kind: 'indefinite'; nth: number };

export function mutate(seed: Buffer, mutations: readonly Mutation[]): Buffer {
  let b: Buffer = Buffer.from(seed);
  for (const m of mutations) {
    if (m.kind !== 'length' && m.kind !== 'indefinite') {
      b = applyByteMutation(b, m);
      continue;
    }
    const header = nthHeader(b, m.nth, m.kind === 'indefinite' ? [0x30, 0xa0] : [0x30, 0x31, 0x04, 0xa0]);
    if (!header) continue;
    if (m.kind === 'length') {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(m.length >>> 0);
      b = Buffer.concat([b.subarray(0, header.start + 1), Buffer.from([0x84]), len, b.subarray(header.contentStart)]);
    } else {
      b = indefiniteAlongPath(b, header.start);
    }
  }
  return b;
}

/**
 * Re-encodes the TLV starting at `start` and all of its ancestors with indefinite lengths (BER, as Apple and
 * `openssl -stream` write), so that every enclosing length stays right: a re-encoding, not a corruption.
 */
function indefiniteAlongPath(der: Buffer, start: number): Buffer {
  const encode = (node: ReturnType<typeof readBerStrict>): Buffer => {
    if (!node.constructed || start < node.start || start >= node.end) return Buffer.from(berBytes(node));
    const id = node.buf.subarray(node.start, node.start + 1);
    return Buffer.concat([id, Buffer.from([0x80]), ...berChildren(node).map(encode), Buffer.from([0, 0])]);
  };
  return encode(readBerStrict(der));
}

/** The n-th (modulo the count) TLV of the DER tree with one of `tags`, by walking the real structure. */
function nthHeader(der: Buffer, nth: number, tags: readonly number[]): { start: number; contentStart: number; contentEnd: number } | undefined {
  const found: Array<{ start: number; contentStart: number; contentEnd: number }> = [];
  const walk = (node: ReturnType<typeof readBerStrict>) => {
    if (tags.includes(node.tag) && !node.indefinite) found.push({ start: node.start, contentStart: node.contentStart, contentEnd: node.contentEnd });
    if (node.constructed) berChildren(node).forEach(walk);
  };
  try {
    walk(readBerStrict(der));
  } catch {
    return undefined;
  }
  return found.length ? found[nth % found.length] : undefined;
}

/** Percent-escapes every character (the longest legal encoding of a base64 message: 3 URL characters per character). */
export function escapeAll(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += '%' + text.charCodeAt(i).toString(16).toUpperCase().padStart(2, '0');
  return out;
}
