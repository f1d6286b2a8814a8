import * as asn1js from 'asn1js';
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
  readBer,
  readBerStrict,
} from './ber-walk';
import { PkiError } from './errors';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('ber-walk (X.690 reader)', () => {
  it('reads a DER SEQUENCE lazily with exact offsets', () => {
    // SEQUENCE { INTEGER 1, OCTET STRING 'ab', OID 1.2.840.113549.1.7.1 }
    const node = readBerStrict(hex('3012 020101 04026162 06092a864886f70d010701'));
    expect(node.tag).toBe(0x30);
    const [i, s, o] = berChildren(node);
    expect(berSmallInteger(i)).toBe(1);
    expect(berContent(s).toString()).toBe('ab');
    expect(berOid(o)).toBe('1.2.840.113549.1.7.1');
    expect(berBytes(o)).toEqual(hex('06092a864886f70d010701'));
  });

  it('accepts indefinite lengths and concatenates constructed OCTET STRING chunks', () => {
    // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { 'ab', 'cd' }, NULL }
    const ber = hex('3080 2480 04026162 04026364 0000 0500 0000');
    const node = readBerStrict(ber);
    expect(node.indefinite).toBe(true);
    const [octets, nul] = berChildren(node);
    expect(octets.tag).toBe(0x24);
    expect(berStringOctets(octets).toString()).toBe('abcd');
    expect(nul.tag).toBe(0x05);
    expect(node.end).toBe(ber.length);
  });

  it('accepts non-minimal long-form lengths (BER)', () => {
    const node = readBerStrict(hex('04 820002 6162'));
    expect(berContent(node).toString()).toBe('ab');
  });

  it('rejects trailing bytes, truncation, indefinite primitives and overlong lengths', () => {
    const bad = ['3000 00', '3003 0201', '0480 0000', '30', '3085 0000000001 00', '04 84ffffffff 00', ''];
    for (const h of bad) {
      expect(() => readBerStrict(hex(h))).toThrow(PkiError);
    }
  });

  it('caps the nesting depth', () => {
    const deep = Buffer.concat([Buffer.alloc(200 * 2).map((_, i) => (i % 2 === 0 ? 0x30 : 0x80)), Buffer.alloc(400)]);
    expect(() => readBerStrict(deep)).toThrow(/too deep/);
  });

  it('decodes OIDs with large arcs and rejects truncated ones', () => {
    expect(berOid(readBerStrict(hex('0609 6086480186f8420109')))).toBe('2.16.840.1.113730.1.9');
    expect(berOid(readBerStrict(hex('060a 2b060104018237140202')))).toBe('1.3.6.1.4.1.311.20.2.2');
    expect(berOid(readBerStrict(hex('06052b0e03021a')))).toBe('1.3.14.3.2.26');
    expect(() => berOid(readBerStrict(hex('06022a86')))).toThrow(PkiError);
  });

  it('reads INTEGER content octets as encoded (leading 0x00 kept)', () => {
    expect(berIntegerBytes(readBerStrict(hex('0209 008a5c3e0011223344')))).toEqual(hex('008a5c3e0011223344'));
    expect(() => berSmallInteger(readBerStrict(hex('020180')))).toThrow(PkiError);
  });

  it('decodes UTCTime and GeneralizedTime (RFC 5280 §4.1.2.5) and BER variants', () => {
    const t = (tag: number, s: string) => berTime(readBerStrict(Buffer.concat([Buffer.from([tag, s.length]), Buffer.from(s)])));
    expect(t(0x17, '261127080018Z').toISOString()).toBe('2026-11-27T08:00:18.000Z');
    expect(t(0x17, '491231235959Z').getUTCFullYear()).toBe(2049);
    expect(t(0x17, '500101000000Z').getUTCFullYear()).toBe(1950);
    expect(t(0x18, '20501231235959Z').toISOString()).toBe('2050-12-31T23:59:59.000Z');
    expect(t(0x18, '20240102030405.123Z').getUTCMilliseconds()).toBe(123);
    expect(t(0x17, '2401020304Z').toISOString()).toBe('2024-01-02T03:04:00.000Z');
    expect(t(0x17, '240102030405+0100').toISOString()).toBe('2024-01-02T02:04:05.000Z');
    expect(() => t(0x17, 'garbage')).toThrow(PkiError);
  });

  it('decodes the DirectoryString types (incl. BMPString and UniversalString)', () => {
    const str = (tag: number, b: Buffer) => berText(readBerStrict(Buffer.concat([Buffer.from([tag, b.length]), b])));
    expect(str(0x13, Buffer.from('Printable'))).toBe('Printable');
    expect(str(0x0c, Buffer.from('Grüße', 'utf8'))).toBe('Grüße');
    expect(str(0x1e, Buffer.from('00700077', 'hex'))).toBe('pw');
    expect(str(0x1c, Buffer.from('0000007000000077', 'hex'))).toBe('pw');
    expect(str(0x14, Buffer.from([0x47, 0xfc]))).toBe('Gü');
  });

  it('reads a child at an offset within a limit', () => {
    const buf = hex('ffff 0401 61 ffff');
    const node = readBer(buf, 2, 5);
    expect(berContent(node).toString()).toBe('a');
    expect(() => readBer(buf, 2, 4)).toThrow(PkiError);
  });

  it('agrees with asn1js on random DER trees', () => {
    const leaf = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => new asn1js.OctetString({ valueHex: b })),
      fc.integer({ min: 0, max: 1_000_000 }).map((v) => new asn1js.Integer({ value: v })),
      fc.constant(new asn1js.Null()),
    );
    const tree = fc.letrec<{ node: asn1js.AsnType }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }).map((value) => new asn1js.Sequence({ value: value as never })),
        fc.array(tie('node'), { maxLength: 4 }).map((value) => new asn1js.Set({ value: value as never })),
      ),
    }));
    fc.assert(
      fc.property(tree.node, (value) => {
        const der = Buffer.from(value.toBER(false));
        const count = (n: ReturnType<typeof readBerStrict>): number => (n.constructed ? 1 + berChildren(n).reduce((a, c) => a + count(c), 0) : 1);
        const countAsn1 = (n: asn1js.AsnType): number => {
          const v = (n as unknown as { valueBlock: { value?: unknown[] } }).valueBlock.value;
          return Array.isArray(v) && (n instanceof asn1js.Sequence || n instanceof asn1js.Set) ? 1 + v.reduce<number>((a, c) => a + countAsn1(c as asn1js.AsnType), 0) : 1;
        };
        expect(count(readBerStrict(der))).toBe(countAsn1(asn1js.fromBER(new Uint8Array(der).buffer).result));
      }),
      { numRuns: 200 },
    );
  });

  it('throws only PkiError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const node = readBerStrict(bytes);
          const walk = (n: typeof node): void => {
            if (n.constructed) berChildren(n).forEach(walk);
            else berContent(n);
          };
          walk(node);
        } catch (e) {
          expect(e).toBeInstanceOf(PkiError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
