// Test support: byte-level mutations of an encoded message (bit flips, odd bytes, insertions, deletions,
// truncation, appended junk, repeated runs), driven by numbers from fast-check. Shared by the codec's fuzz test and
// the gateway fuzz test (test/e2e), which adds structural mutations of its own on top.
import fc from 'fast-check';

export type ByteMutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'repeat'; at: number; count: number; times: number };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x80, 0xff, 0x7f, 0x30, 0x84, 0x1f) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 40 }) }),
);

/** One mutation; positions are taken modulo the current length, so every generated value applies. */
export function applyByteMutation(input: Buffer, m: ByteMutation): Buffer {
  const b = Buffer.from(input);
  const at = b.length && 'at' in m ? m.at % b.length : 0;
  switch (m.kind) {
    case 'flip':
      if (b.length) b[at] = (b[at] as number) ^ (1 << m.bit);
      return b;
    case 'set':
      if (b.length) b[at] = m.value;
      return b;
    case 'insert':
      return Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
    case 'truncate':
      return b.subarray(0, at);
    case 'append':
      return Buffer.concat([b, m.bytes]);
    case 'repeat': {
      const piece = b.subarray(at, at + m.count);
      return Buffer.concat([b.subarray(0, at), ...Array.from({ length: m.times }, () => piece), b.subarray(at + m.count)]);
    }
  }
}

export function applyByteMutations(seed: Buffer, mutations: readonly ByteMutation[]): Buffer {
  return mutations.reduce(applyByteMutation, seed);
}
