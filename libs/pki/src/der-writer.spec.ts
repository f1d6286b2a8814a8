import * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as der from './der-writer';

// The writer must produce exactly what asn1js (the reviewed encoder the rest of the stack uses) produces.
const asn1 = (block: { toBER(): ArrayBuffer }) => Buffer.from(block.toBER()).toString('hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('der-writer agrees with asn1js', () => {
  it.each([0, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000])('encodes a %i-octet OCTET STRING', (n) => {
    const bytes = Buffer.alloc(n, 0xab);
    expect(hex(der.octetString(bytes))).toBe(asn1(new asn1js.OctetString({ valueHex: bytes })));
  });

  it('encodes OIDs, including large arcs and the 2.x arc', () => {
    for (const oid of ['2.5.29.19', '1.2.840.113549.1.1.11', '0.9.2342.19200300.100.1.25', '2.999.3', '1.3.6.1.4.1.311.20.2.3', '1.2.4294967296.1']) {
      expect(hex(der.oid(oid))).toBe(asn1(new asn1js.ObjectIdentifier({ value: oid })));
    }
  });

  it('encodes non-negative INTEGERs minimally', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(hex(der.integer(n))).toBe(asn1(new asn1js.Integer({ value: n })));
      }),
    );
    for (const n of [0, 127, 128, 255, 256, 2 ** 31, 2 ** 32]) expect(hex(der.integer(n))).toBe(asn1(new asn1js.Integer({ value: n })));
  });

  it('encodes strings, BOOLEAN, BIT STRING, NULL and nested SEQUENCEs', () => {
    expect(hex(der.utf8String('Gerät 😀'))).toBe(asn1(new asn1js.Utf8String({ value: 'Gerät 😀' })));
    expect(hex(der.asciiString(der.Tag.PRINTABLE_STRING, 'US'))).toBe(asn1(new asn1js.PrintableString({ value: 'US' })));
    expect(hex(der.asciiString(der.Tag.IA5_STRING, 'a@b.c'))).toBe(asn1(new asn1js.IA5String({ value: 'a@b.c' })));
    expect(hex(der.booleanTrue())).toBe(asn1(new asn1js.Boolean({ value: true })));
    expect(hex(der.bitString(Buffer.from([0xa0]), 5))).toBe(asn1(new asn1js.BitString({ valueHex: Buffer.from([0xa0]), unusedBits: 5 })));
    expect(hex(der.tlv(der.Tag.NULL))).toBe(asn1(new asn1js.Null()));
    const nested = der.sequence(der.sequence(), der.oid('2.5.4.3'), der.tlv(der.contextTag(0, true), der.integer(2)));
    expect(hex(nested)).toBe(
      asn1(
        new asn1js.Sequence({
          value: [
            new asn1js.Sequence(),
            new asn1js.ObjectIdentifier({ value: '2.5.4.3' }),
            new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Integer({ value: 2 })] }),
          ],
        }),
      ),
    );
  });

  it('writes UTCTime for 1950–2049 and GeneralizedTime otherwise, like asn1js for whole seconds', () => {
    for (const iso of ['1950-01-01T00:00:00Z', '2049-12-31T23:59:59Z', '2025-03-04T05:06:07Z']) {
      const d = new Date(iso);
      expect(hex(der.time(d))).toBe(asn1(new asn1js.UTCTime({ valueDate: d })));
    }
    for (const iso of ['2050-01-01T00:00:00Z', '1949-12-31T23:59:59Z', '9999-12-31T23:59:59Z']) {
      const d = new Date(iso);
      expect(hex(der.time(d))).toBe(asn1(new asn1js.GeneralizedTime({ valueDate: d })));
    }
  });

  it('sorts SET OF members by encoding (X.690 §11.6)', () => {
    const a = der.sequence(der.oid('2.5.4.3'), der.utf8String('John Doe'));
    const b = der.sequence(der.oid('0.9.2342.19200300.100.1.1'), der.utf8String('jdoe'));
    expect(hex(der.setOf([b, a]))).toBe(hex(der.setOf([a, b])));
    expect(hex(der.setOf([b, a]))).toBe('31' + (a.length + b.length).toString(16).padStart(2, '0') + hex(a) + hex(b));
  });
});
