import { readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as der from './der-writer';
import { opensslBinary, Scratch } from './__fixtures__/test-helpers';

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

  it('writes minimal definite lengths (X.690 §10.1) for every TLV builder', () => {
    const cases: [number, string][] = [[0, '00'], [1, '01'], [127, '7f'], [128, '8180'], [255, '81ff'], [256, '820100'], [65_535, '82ffff'], [65_536, '83010000'], [2 ** 24, '8401000000']];
    for (const [n, expected] of cases) expect(hex(der.derLength(n))).toBe(expected);
    for (const n of [0, 127, 128, 255, 256, 65_536]) {
      const parts = [Buffer.alloc(n >> 1, 1), Buffer.alloc(n - (n >> 1), 2)];
      expect(hex(der.sequence(...parts))).toBe('30' + hex(der.derLength(n)) + hex(Buffer.concat(parts)));
      expect(hex(der.tlv(0x04, ...parts))).toBe(asn1(new asn1js.OctetString({ valueHex: Buffer.concat(parts) })));
    }
  });

  it('writes context-specific tags, primitive and constructed', () => {
    expect(der.contextTag(0, false)).toBe(0x80);
    expect(der.contextTag(3, true)).toBe(0xa3);
    expect(hex(der.tlv(der.contextTag(0, false), Buffer.from('abc')))).toBe(
      asn1(new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: Buffer.from('abc') })),
    );
    expect(hex(der.tlv(der.contextTag(30, true), der.DER_NULL))).toBe(
      asn1(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 30 }, value: [new asn1js.Null()] })),
    );
  });

  it('writes NULL, AlgorithmIdentifier and INTEGERs from given content', () => {
    expect(hex(der.DER_NULL)).toBe(asn1(new asn1js.Null()));
    const sha256WithRsa = '1.2.840.113549.1.1.11';
    expect(hex(der.algorithmIdentifier(sha256WithRsa))).toBe(
      asn1(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: sha256WithRsa }), new asn1js.Null()] })),
    );
    // The exact bytes every RSA certificate carries for sha256WithRSAEncryption (RFC 4055 §5: NULL parameters).
    expect(hex(der.algorithmIdentifier(sha256WithRsa))).toBe('300d06092a864886f70d01010b0500');
    const curve = der.oid('1.2.840.10045.3.1.7');
    expect(hex(der.algorithmIdentifier('1.2.840.10045.2.1', curve))).toBe(
      asn1(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.10045.2.1' }), new asn1js.ObjectIdentifier({ value: '1.2.840.10045.3.1.7' })] })),
    );
    // Copied content stays byte for byte, including a non-minimal leading zero (serials are echoed, not re-encoded).
    for (const content of [[0x00], [0x7f], [0x00, 0x80], [0x00, 0x01], Array.from({ length: 20 }, (_, i) => i + 1)]) {
      expect(hex(der.integerFromContent(Buffer.from(content)))).toBe(asn1(new asn1js.Integer({ valueHex: Buffer.from(content) })));
    }
  });

  it('writes PrintableString over its whole alphabet and UTF8String/OCTET STRING for any input', () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?";
    expect(hex(der.printableString(alphabet))).toBe(asn1(new asn1js.PrintableString({ value: alphabet })));
    expect(hex(der.printableString(''))).toBe(asn1(new asn1js.PrintableString({ value: '' })));
    expect(hex(der.printableString(alphabet))).toBe(hex(der.asciiString(der.Tag.PRINTABLE_STRING, alphabet)));
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9 '()+,\-./:=?]{0,200}$/), fc.string({ unit: 'grapheme', maxLength: 100 }), fc.uint8Array({ maxLength: 300 }), (p, u, o) => {
        expect(hex(der.printableString(p))).toBe(asn1(new asn1js.PrintableString({ value: p })));
        expect(hex(der.utf8String(u))).toBe(asn1(new asn1js.Utf8String({ value: u })));
        expect(hex(der.octetString(o))).toBe(asn1(new asn1js.OctetString({ valueHex: o })));
      }),
    );
  });

  it('keeps the given order in setInOrder (CMS certificates) and sorts in setOf / sortedSetContent', () => {
    const members = [der.integer(5), der.octetString(Buffer.from('zz')), der.integer(1)];
    expect(hex(der.setInOrder(...members))).toBe(
      asn1(new asn1js.Set({ value: [new asn1js.Integer({ value: 5 }), new asn1js.OctetString({ valueHex: Buffer.from('zz') }), new asn1js.Integer({ value: 1 })] })),
    );
    expect(hex(der.setInOrder())).toBe(asn1(new asn1js.Set()));
    const sorted = [der.integer(1), der.integer(5), der.octetString(Buffer.from('zz'))];
    expect(hex(der.setOf(members))).toBe(hex(der.setInOrder(...sorted)));
    expect(hex(der.sortedSetContent(members))).toBe(hex(Buffer.concat(sorted)));
    expect(hex(members[0])).toBe('020105'); // the input array is not reordered
  });

  it('orders SET OF members as X.690 §11.6 says: octet strings, the shorter padded with trailing 0-octets', () => {
    // Reference: pad both to the same length with zeros, then compare octet by octet.
    const reference = (a: Uint8Array, b: Uint8Array) => {
      const n = Math.max(a.length, b.length);
      const pa = Buffer.concat([a, Buffer.alloc(n - a.length)]);
      const pb = Buffer.concat([b, Buffer.alloc(n - b.length)]);
      return Buffer.compare(pa, pb);
    };
    const sign = (n: number) => Math.sign(n) + 0;
    expect(sign(der.compareDer(Buffer.from([1]), Buffer.from([1, 0])))).toBe(0);
    expect(sign(der.compareDer(Buffer.from([1, 0, 0]), Buffer.from([1])))).toBe(0);
    expect(sign(der.compareDer(Buffer.from([1]), Buffer.from([1, 1])))).toBe(-1);
    expect(sign(der.compareDer(Buffer.from([1, 0, 1]), Buffer.from([1])))).toBe(1);
    expect(sign(der.compareDer(Buffer.from([2]), Buffer.from([1, 0xff])))).toBe(1);
    expect(sign(der.compareDer(new Uint8Array(0), new Uint8Array(0)))).toBe(0);
    const small = fc.uint8Array({ maxLength: 4, max: 2 }); // many prefixes and zero tails
    fc.assert(fc.property(small, small, (a, b) => expect(sign(der.compareDer(a, b))).toBe(sign(reference(a, b)))), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => expect(sign(der.compareDer(a, b))).toBe(sign(reference(a, b)))));
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }), (contents) => {
        const members = contents.map((c) => der.octetString(c));
        const expected = [...members].sort(reference);
        expect(hex(der.setOf(members))).toBe(hex(der.setInOrder(...expected)));
      }),
    );
  });

  it('writes whole seconds, floored (never rounded up), on both sides of 1970 and of the 1950/2050 cut-over', () => {
    expect(hex(der.time(new Date('2025-03-04T05:06:07.999Z')))).toBe(asn1(new asn1js.UTCTime({ valueDate: new Date('2025-03-04T05:06:07Z') })));
    expect(hex(der.time(new Date('1960-01-01T00:00:59.500Z')))).toBe(asn1(new asn1js.UTCTime({ valueDate: new Date('1960-01-01T00:00:59Z') })));
    expect(hex(der.time(new Date('2049-12-31T23:59:59.999Z')))).toBe(asn1(new asn1js.UTCTime({ valueDate: new Date('2049-12-31T23:59:59Z') })));
    expect(hex(der.time(new Date('1949-12-31T23:59:59.999Z')))).toBe(asn1(new asn1js.GeneralizedTime({ valueDate: new Date('1949-12-31T23:59:59Z') })));
    expect(Buffer.from(der.time(new Date('0001-02-03T04:05:06Z'))).subarray(2).toString('latin1')).toBe('00010203040506Z');
    fc.assert(
      fc.property(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
        const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
        const y = whole.getUTCFullYear();
        const expected = y >= 1950 && y <= 2049 ? new asn1js.UTCTime({ valueDate: whole }) : new asn1js.GeneralizedTime({ valueDate: whole });
        expect(hex(der.time(d))).toBe(asn1(expected));
      }),
    );
  });
});

describe('der-writer agrees with openssl (ASN1_generate_nconf)', () => {
  const scratch = new Scratch();
  afterAll(() => scratch.cleanup());

  it('encodes a structure of every kind byte for byte, SET OF sorted like OpenSSL sorts it', () => {
    const conf = scratch.write(
      'gen.cnf',
      [
        'asn1 = SEQUENCE:top',
        '[top]',
        'a = SET:members',
        'b = NULL',
        'c = OID:1.2.840.113549.1.1.11',
        'd = OID:2.999.3',
        'e = INTEGER:0',
        'f = INTEGER:128',
        'g = INTEGER:4294967296',
        'h = BOOLEAN:TRUE',
        'i = UTCTIME:500101000000Z',
        'j = GENERALIZEDTIME:20500101000000Z',
        'k = PRINTABLESTRING:Ab0 ()+,-./:=?',
        'l = FORMAT:UTF8,UTF8String:Gerät',
        'm = IMPLICIT:0,OCTETSTRING:abc',
        'n = EXPLICIT:3,SEQUENCE:empty',
        'o = FORMAT:HEX,BITSTRING:a0',
        'p = SEQUENCE:algorithm',
        'q = FORMAT:HEX,OCTETSTRING:' + 'ab'.repeat(300),
        '[members]',
        'm1 = OCTETSTRING:zz',
        'm2 = INTEGER:5',
        'm3 = OCTETSTRING:a',
        'm4 = UTF8String:x',
        'm5 = INTEGER:300',
        'm6 = OCTETSTRING:',
        '[empty]',
        '[algorithm]',
        'alg = OID:2.16.840.1.101.3.4.2.1',
        'params = NULL',
        '',
      ].join('\n'),
    );
    opensslBinary(['asn1parse', '-genconf', conf, '-out', scratch.path('gen.der'), '-noout']);
    const expected = readFileSync(scratch.path('gen.der'));
    const ours = der.sequence(
      der.setOf([der.octetString(Buffer.from('zz')), der.integer(5), der.octetString(Buffer.from('a')), der.utf8String('x'), der.integer(300), der.octetString(Buffer.alloc(0))]),
      der.DER_NULL,
      der.oid('1.2.840.113549.1.1.11'),
      der.oid('2.999.3'),
      der.integer(0),
      der.integer(128),
      der.integer(4294967296),
      der.booleanTrue(),
      der.time(new Date('1950-01-01T00:00:00Z')),
      der.time(new Date('2050-01-01T00:00:00Z')),
      der.printableString('Ab0 ()+,-./:=?'),
      der.utf8String('Gerät'),
      der.tlv(der.contextTag(0, false), Buffer.from('abc')),
      der.tlv(der.contextTag(3, true), der.sequence()),
      der.bitString(Buffer.from([0xa0])),
      der.algorithmIdentifier('2.16.840.1.101.3.4.2.1'),
      der.octetString(Buffer.alloc(300, 0xab)),
    );
    expect(hex(ours)).toBe(hex(expected));
  });
});

describe('der-writer refuses what it cannot encode correctly', () => {
  const scratch = new Scratch();
  afterAll(() => scratch.cleanup());

  it('refuses invalid OIDs instead of writing other arcs', () => {
    for (const bad of ['', '1', '1.', '1.2.', '.1.2', '3.1', '0.40', '1.40', '1.2.03', '1.2.x', ' 1.2', '1.2 ', '1.2.1e3', '0x1.2', '1..2', '1.2.-3', '1.2.1000000000000000']) {
      expect(() => der.oid(bad)).toThrow(RangeError);
      expect(der.isValidOid(bad)).toBe(false);
    }
    // asn1js cannot write arcs this large (it emits an empty OID), so openssl is the reference here.
    for (const good of ['0.0', '0.39', '1.39', '2.40', '2.999.3', '1.2.999999999999999', '2.999999999999999.1']) {
      expect(der.isValidOid(good)).toBe(true);
      const out = scratch.path('oid.der');
      opensslBinary(['asn1parse', '-genstr', `OID:${good}`, '-out', out, '-noout']);
      expect(hex(der.oid(good))).toBe(hex(readFileSync(out)));
    }
  });

  it('refuses INTEGERs it would encode wrongly (negative, fractional, unsafe, empty content)', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) expect(() => der.integer(bad)).toThrow(RangeError);
    expect(() => der.integerFromContent(Buffer.alloc(0))).toThrow(RangeError);
  });

  it('refuses characters outside the PrintableString alphabet', () => {
    for (const bad of ['a@b', 'a_b', 'a*b', 'a&b', 'a!b', 'a"b', 'a;b', 'ä', '\n', 'a\u0000']) expect(() => der.printableString(bad)).toThrow(RangeError);
  });

  it('refuses invalid dates and years GeneralizedTime cannot hold', () => {
    for (const bad of [new Date(NaN), new Date('+010000-01-01T00:00:00Z'), new Date('-000001-01-01T00:00:00Z'), 'not a date' as unknown as Date]) {
      expect(() => der.time(bad)).toThrow(RangeError);
    }
  });

  it('refuses tags that do not fit one identifier octet, bad lengths and bad unused-bit counts', () => {
    for (const bad of [-1, 0x100, 0x1f, 0x3f, 0xbf, 1.5]) expect(() => der.tlv(bad)).toThrow(RangeError);
    for (const bad of [-1, 31, 1.5]) expect(() => der.contextTag(bad, false)).toThrow(RangeError);
    for (const bad of [-1, 1.5, NaN]) expect(() => der.derLength(bad)).toThrow(RangeError);
    expect(() => der.bitString(Buffer.from([0]), 8)).toThrow(RangeError);
    expect(() => der.bitString(Buffer.alloc(0), 1)).toThrow(RangeError);
    expect(hex(der.bitString(Buffer.alloc(0)))).toBe(asn1(new asn1js.BitString({ valueHex: new ArrayBuffer(0) })));
  });
});
