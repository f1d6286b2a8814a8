// Test support: structure-aware mutation of DER/BER for the fuzz tests. A value is read into a tree (descending
// into OCTET STRINGs that hold DER, like eContent), one node is changed the way hostile or broken encoders do
// (absurd declared lengths, indefinite forms, chunking, deep nesting, wrong tags, dropped/duplicated elements),
// and the tree is written back with every enclosing length recomputed, so the change reaches the inner parsers
// instead of being refused by the outermost length check.
import { berChildren, berContent, readBerStrict } from '@scep/pki';
import type { BerNode } from '@scep/pki';

export interface MutableNode {
  /** Identifier octets (one, or several for a high tag number). */
  id: Buffer;
  constructed: boolean;
  indefinite: boolean;
  /** Constructed: the children. */
  children?: MutableNode[];
  /** Primitive: the content octets (unless `inner`). */
  content?: Buffer;
  /** Primitive OCTET STRING whose content is itself one DER value (eContent, extnValue). */
  inner?: MutableNode;
  /** Written instead of the real length octets (a lie about the length). */
  lengthOverride?: Buffer;
  /** Indefinite form without its end-of-contents octets. */
  dropEoc?: boolean;
  /** Written verbatim instead of the node (a replacement by arbitrary bytes). */
  raw?: Buffer;
  /** Enclosing constructed values added around the node, innermost first (written without recursion: nesting can be deep). */
  wraps?: Array<{ depth: number; tag: number; indefinite: boolean }>;
}

function fromNode(node: BerNode, depth: number): MutableNode {
  const id = node.buf.subarray(node.start, headerIdEnd(node));
  if (node.constructed) {
    return { id: Buffer.from(id), constructed: true, indefinite: node.indefinite, children: berChildren(node).map((c) => fromNode(c, depth + 1)) };
  }
  const content = Buffer.from(berContent(node));
  if (node.tag === 0x04 && depth < 24 && content.length > 2 && (content[0] === 0x30 || content[0] === 0x31)) {
    try {
      return { id: Buffer.from(id), constructed: false, indefinite: false, inner: toTree(content, depth + 1) };
    } catch {
      // not DER inside: keep the octets
    }
  }
  return { id: Buffer.from(id), constructed: false, indefinite: false, content };
}

function headerIdEnd(node: BerNode): number {
  if (node.tag !== -1) return node.start + 1;
  let pos = node.start + 1;
  while (node.buf[pos] & 0x80) pos++;
  return pos + 1;
}

/** Reads one DER/BER value (no trailing bytes) into a mutable tree. */
export function toTree(der: Uint8Array, depth = 0): MutableNode {
  return fromNode(readBerStrict(der), depth);
}

export function derLengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Writes the tree back; lengths are recomputed unless a node lies about its length. */
export function encodeTree(node: MutableNode): Buffer {
  let out: Buffer;
  if (node.raw) out = node.raw;
  else {
    const body = bodyOf(node);
    const length = node.lengthOverride ?? (node.indefinite ? Buffer.from([0x80]) : derLengthOctets(body.length));
    const eoc = node.indefinite && !node.dropEoc ? Buffer.from([0, 0]) : Buffer.alloc(0);
    out = Buffer.concat([node.id, length, body, eoc]);
  }
  for (const wrap of node.wraps ?? []) {
    // Built inside out in one buffer per wrap: headers before, end-of-contents after.
    const headers: Buffer[] = [];
    let size = out.length;
    for (let d = 0; d < wrap.depth; d++) {
      const header = Buffer.concat([Buffer.from([wrap.tag | 0x20]), wrap.indefinite ? Buffer.from([0x80]) : derLengthOctets(size)]);
      headers.push(header);
      size += header.length + (wrap.indefinite ? 2 : 0);
    }
    out = Buffer.concat([...headers.reverse(), out, Buffer.alloc(wrap.indefinite ? 2 * wrap.depth : 0)]);
  }
  return out;
}

/** Every node in pre-order with its parent (undefined for the root). */
export function nodesOf(root: MutableNode): Array<{ node: MutableNode; parent?: MutableNode }> {
  const out: Array<{ node: MutableNode; parent?: MutableNode }> = [];
  const walk = (node: MutableNode, parent?: MutableNode) => {
    out.push({ node, parent });
    for (const child of node.children ?? []) walk(child, node);
    if (node.inner) walk(node.inner, node);
  };
  walk(root);
  return out;
}

/** What a mutation does to the chosen node. Numbers are free-form and reduced modulo what they index. */
export type TreeMutation =
  /** Declares `length` octets of content (e.g. 2 GiB) in `octets` length octets (1-8; > 4 and 0x7F are refused by X.690 readers). */
  | { kind: 'length'; length: number; octets: number }
  /** Declares one octet more or less than there is. */
  | { kind: 'lengthOffByOne'; delta: 1 | -1 }
  /** Non-minimal (but legal BER) length: `octets` length octets. */
  | { kind: 'longFormLength'; octets: number }
  /** Indefinite length on this node (legal BER on a constructed value, illegal on a primitive). */
  | { kind: 'indefinite'; dropEoc: boolean }
  /** A primitive string cut into constructed chunks of `size` octets, chunks nested `depth` levels, BER style. */
  | { kind: 'chunk'; size: number; depth: number; indefinite: boolean }
  /** Wraps the node in `depth` levels of `tag` (0x30, 0x31, 0x24, 0xA0...). */
  | { kind: 'nest'; depth: number; tag: number; indefinite: boolean }
  /** Another identifier octet, or a high-tag-number form. */
  | { kind: 'retag'; id: readonly number[] }
  /** Replaces a primitive's content (or the whole node) with these octets. */
  | { kind: 'content'; bytes: Uint8Array }
  | { kind: 'raw'; bytes: Uint8Array }
  /** Removes the node from its parent. */
  | { kind: 'delete' }
  /** Repeats the node `times` times in its parent. */
  | { kind: 'duplicate'; times: number }
  /** Swaps the node with a sibling. */
  | { kind: 'swap'; with: number }
  /** Inserts a TLV made of `bytes` (raw) before the node in its parent. */
  | { kind: 'insert'; bytes: Uint8Array }
  /** Truncates a primitive's content to `keep` octets. */
  | { kind: 'truncateContent'; keep: number };

function big(length: number, octets: number): Buffer {
  const out = Buffer.alloc(octets);
  let n = length;
  for (let i = octets - 1; i >= 0; i--) {
    out[i] = n % 256;
    n = Math.floor(n / 256);
  }
  return out;
}

function bodyOf(node: MutableNode): Buffer {
  return node.children ? Buffer.concat(node.children.map(encodeTree)) : node.inner ? encodeTree(node.inner) : (node.content ?? Buffer.alloc(0));
}

/** Applies `mutation` to node number `index` (pre-order, modulo the node count). Mutates `root`; returns the bytes. */
export function mutateTree(root: MutableNode, index: number, mutation: TreeMutation): Buffer {
  const all = nodesOf(root);
  const { node, parent } = all[index % all.length];
  const siblings = parent?.children;
  const at = siblings ? siblings.indexOf(node) : -1;
  switch (mutation.kind) {
    case 'length': {
      const octets = Math.max(1, Math.min(8, mutation.octets));
      node.lengthOverride = Buffer.concat([Buffer.from([0x80 | octets]), big(mutation.length, octets)]);
      break;
    }
    case 'lengthOffByOne':
      node.lengthOverride = derLengthOctets(Math.max(0, bodyOf(node).length + mutation.delta));
      node.indefinite = false;
      break;
    case 'longFormLength': {
      const octets = Math.max(1, Math.min(4, mutation.octets));
      node.lengthOverride = Buffer.concat([Buffer.from([0x80 | octets]), big(bodyOf(node).length, octets)]);
      node.indefinite = false;
      break;
    }
    case 'indefinite':
      node.indefinite = true;
      node.dropEoc = mutation.dropEoc;
      break;
    case 'chunk': {
      if (node.constructed) break;
      const octets = node.inner ? encodeTree(node.inner) : (node.content ?? Buffer.alloc(0));
      const size = Math.max(1, mutation.size);
      const chunks: MutableNode[] = [];
      for (let i = 0; i < octets.length; i += size) {
        chunks.push({ id: Buffer.from([0x04]), constructed: false, indefinite: false, content: octets.subarray(i, i + size) });
      }
      let children = chunks;
      for (let d = 1; d < mutation.depth; d++) children = [{ id: Buffer.from([0x24]), constructed: true, indefinite: mutation.indefinite, children }];
      node.id = Buffer.from([node.id[0] | 0x20, ...node.id.subarray(1)]);
      node.constructed = true;
      node.indefinite = mutation.indefinite;
      node.children = children;
      node.content = undefined;
      node.inner = undefined;
      break;
    }
    case 'nest':
      node.wraps = [...(node.wraps ?? []), { depth: mutation.depth, tag: mutation.tag, indefinite: mutation.indefinite }];
      break;
    case 'retag':
      node.id = Buffer.from(mutation.id.length ? mutation.id : [0x05]);
      break;
    case 'content':
      if (node.constructed) node.children = [{ id: Buffer.from([0x04]), constructed: false, indefinite: false, content: Buffer.from(mutation.bytes) }];
      else {
        node.content = Buffer.from(mutation.bytes);
        node.inner = undefined;
      }
      break;
    case 'raw':
      node.raw = Buffer.from(mutation.bytes);
      break;
    case 'delete':
      if (siblings) siblings.splice(at, 1);
      else node.raw = Buffer.alloc(0);
      break;
    case 'duplicate':
      if (siblings) siblings.splice(at, 0, ...Array.from({ length: Math.max(1, mutation.times) }, () => node));
      break;
    case 'swap':
      if (siblings && siblings.length > 1) {
        const other = mutation.with % siblings.length;
        [siblings[at], siblings[other]] = [siblings[other], siblings[at]];
      }
      break;
    case 'insert':
      if (siblings) siblings.splice(at, 0, { id: Buffer.alloc(0), constructed: false, indefinite: false, raw: Buffer.from(mutation.bytes) });
      break;
    case 'truncateContent': {
      const octets = node.inner ? encodeTree(node.inner) : node.content;
      if (octets) {
        node.content = octets.subarray(0, mutation.keep % (octets.length + 1));
        node.inner = undefined;
      }
      break;
    }
  }
  return encodeTree(root);
}
