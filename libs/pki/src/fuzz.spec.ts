// Fuzz tests of the pki lib's readers of hostile input (the codec's fuzz test drives parseCsr / readCertificate
// through whole requests; this one drives the exported BER helpers directly, one TLV at a time). Property: only
// PkiError escapes, whatever the tag, length form and content. Fixed seed; FUZZ_SEED / FUZZ_RUNS override.
import fc from 'fast-check';
import {
  berBytes,
  berChildren,
  berContent,
  berIntegerBytes,
  berOid,
  berSmallInteger,
  berStringOctets,
  berText,
  berTime,
  readBerStrict,
} from './ber-walk';
import type { BerNode } from './ber-walk';
import { PkiError } from './errors';
import { formatDistinguishedName } from './name';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 0x5ce9_8894;
const RUNS = process.env.FUZZ_RUNS !== undefined ? Number(process.env.FUZZ_RUNS) : undefined;
const params = (numRuns: number) => ({ seed: SEED, numRuns: RUNS ?? numRuns });

const READERS: ReadonlyArray<[string, (node: BerNode) => unknown]> = [
  ['berChildren', (n) => berChildren(n)],
  ['berContent', berContent],
  ['berBytes', berBytes],
  ['berIntegerBytes', berIntegerBytes],
  ['berOid', berOid],
  ['berSmallInteger', berSmallInteger],
  ['berStringOctets', berStringOctets],
  ['berText', berText],
  ['berTime', berTime],
];

function onlyPkiError(what: string, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof PkiError)) throw new Error(`${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

/** One TLV: any identifier octet (string types and times favoured), definite or indefinite length, any content. */
const tlv = fc
  .tuple(
    fc.oneof(fc.constantFrom(0x0c, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a, 0x1c, 0x1e, 0x02, 0x04, 0x06, 0x24, 0x2c, 0x3c, 0x3e, 0x30), fc.integer({ min: 0, max: 255 })),
    fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(fc.constantFrom(0x00, 0x01, 0x10, 0x11, 0xd8, 0xdc, 0xff, 0x30, 0x7f), { maxLength: 32 }).map((b) => Uint8Array.from(b))),
    fc.boolean(),
  )
  .map(([tag, content, indefinite]) =>
    Buffer.concat([Buffer.from([tag]), indefinite ? Buffer.from([0x80]) : Buffer.from(content.length < 128 ? [content.length] : [0x81, content.length]), content, indefinite ? Buffer.from([0, 0]) : Buffer.alloc(0)]),
  );

describe(`fuzz: BER readers (seed ${SEED})`, () => {
  it('every exported reader throws only PkiError on any single TLV', () => {
    fc.assert(
      fc.property(tlv, (bytes) => {
        let node: BerNode;
        try {
          node = readBerStrict(bytes);
        } catch (e) {
          if (e instanceof PkiError) return;
          throw e;
        }
        for (const [name, read] of READERS) onlyPkiError(name, () => read(node));
      }),
      params(20_000),
    );
  });

  it('berText refuses a UniversalString code point above U+10FFFF with PkiError (regression: RangeError from String.fromCodePoint)', () => {
    for (const content of [[0x00, 0x11, 0x00, 0x00], [0xff, 0xff, 0xff, 0xff], [0x00, 0x00, 0xd8, 0x00]]) {
      const node = readBerStrict(Buffer.from([0x1c, 4, ...content]));
      let error: unknown;
      try {
        berText(node);
      } catch (e) {
        error = e;
      }
      // A lone surrogate (U+D800) is representable in a JS string: decoded, not an error.
      if (content[2] === 0xd8) expect(error).toBeUndefined();
      else expect(error).toBeInstanceOf(PkiError);
    }
  });

  it('formatDistinguishedName throws only PkiError on Names built from random RDNs', () => {
    const ava = fc.tuple(fc.constantFrom('550403', '55040a', '2a864886f70d010901', '0992268993f22c640119'), tlv).map(([oid, value]) => {
      const oidTlv = Buffer.concat([Buffer.from([0x06, oid.length / 2]), Buffer.from(oid, 'hex')]);
      const seq = Buffer.concat([oidTlv, value]);
      return Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
    });
    const name = fc.array(fc.array(ava, { minLength: 1, maxLength: 2 }), { maxLength: 3 }).map((rdns) => {
      const sets = rdns.map((avas) => {
        const body = Buffer.concat(avas);
        return Buffer.concat([Buffer.from([0x31, 0x81, body.length]), body]);
      });
      const body = Buffer.concat(sets);
      return Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
    });
    fc.assert(
      fc.property(name, (der) => onlyPkiError('formatDistinguishedName', () => formatDistinguishedName(der))),
      params(5_000),
    );
  });
});
