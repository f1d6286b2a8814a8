import { readCsrFixture } from './__fixtures__/test-helpers';
import { parseCsr } from './csr';
import { PkiError } from './errors';
import { encodeDistinguishedName, formatDistinguishedName, composeDistinguishedName, parseDistinguishedName } from './name';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function expectMalformed(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PkiError);
    expect((err as PkiError).code).toBe('MALFORMED_NAME');
    return;
  }
  throw new Error('expected MALFORMED_NAME');
}

describe('encodeDistinguishedName', () => {
  it('writes the RDNSequence root first, with UTF8String / PrintableString values (RFC 5280 §4.1.2.4)', () => {
    const der = encodeDistinguishedName('CN=Dev CA,O=Acme,C=US');
    // SEQUENCE { SET { C PrintableString "US" } SET { O UTF8String "Acme" } SET { CN UTF8String "Dev CA" } }
    expect(hex(der)).toBe(
      '302d' +
        '310b3009060355040613025553' +
        '310d300b060355040a0c0441636d65' +
        '310f300d06035504030c06446576204341',
    );
  });

  it('matches openssl -subj byte for byte, including escaped separators and every supported type', () => {
    // names.csr.pem: openssl req -utf8 -subj '/DC=com/DC=example/C=US/ST=NY/L=New York/O=Acme\, Inc./OU=R\+D/
    // OU=#1 <lab>/CN=Doe\, John "JD"/UID=jdoe/serialNumber=ABC-123/emailAddress=jdoe@example.com'
    const csr = parseCsr(readCsrFixture('names'));
    const dn =
      'emailAddress=jdoe@example.com,serialNumber=ABC-123,UID=jdoe,CN=Doe\\, John \\"JD\\",OU=\\#1 \\<lab\\>,' +
      'OU=R\\+D,O=Acme\\, Inc.,L=New York,ST=NY,C=US,DC=example,DC=com';
    expect(hex(encodeDistinguishedName(dn))).toBe(hex(csr.subjectDer));
  });

  it('matches openssl for a multi-valued RDN (DER-sorted SET OF)', () => {
    const csr = parseCsr(readCsrFixture('names-multivalued'));
    expect(hex(encodeDistinguishedName('UID=jdoe+CN=John Doe,O=Acme'))).toBe(hex(csr.subjectDer));
    expect(hex(encodeDistinguishedName('CN=John Doe+UID=jdoe,O=Acme'))).toBe(hex(csr.subjectDer));
  });

  it('matches openssl for UTF-8 values', () => {
    const csr = parseCsr(readCsrFixture('rsa2048-utf8'));
    expect(hex(encodeDistinguishedName('CN=Gerät Ünïcødé,O=Gerätebau GmbH,C=DE'))).toBe(hex(csr.subjectDer));
    // the same bytes written as RFC 4514 hex pairs
    expect(hex(encodeDistinguishedName('CN=Ger\\C3\\A4t \\C3\\9Cn\\C3\\AFc\\C3\\B8d\\C3\\A9,O=Ger\\c3\\a4tebau GmbH,C=DE'))).toBe(
      hex(csr.subjectDer),
    );
  });

  it('accepts ", " separators, spaces around "=", case-insensitive and dotted types, and aliases', () => {
    const canonical = hex(encodeDistinguishedName('CN=Dev CA,O=Acme,C=US'));
    expect(hex(encodeDistinguishedName('CN=Dev CA, O=Acme, C=US'))).toBe(canonical);
    expect(hex(encodeDistinguishedName(' cn = Dev CA ,  o=Acme,c=US '))).toBe(canonical);
    expect(hex(encodeDistinguishedName('2.5.4.3=Dev CA,OID.2.5.4.10=Acme,countryName=US'))).toBe(canonical);
    expect(hex(encodeDistinguishedName('E=a@b.example'))).toBe(hex(encodeDistinguishedName('emailAddress=a@b.example')));
    expect(hex(encodeDistinguishedName('S=NY'))).toBe(hex(encodeDistinguishedName('ST=NY')));
  });

  it('keeps escaped leading/trailing spaces and drops unescaped ones', () => {
    expect(formatDistinguishedName(encodeDistinguishedName('CN=\\  x \\ '))).toBe('CN=\\  x \\ ');
    expect(formatDistinguishedName(encodeDistinguishedName('CN=   x   '))).toBe('CN=x');
  });

  it('writes #hex values as the given BER (RFC 4514 §2.4) and unknown dotted types as UTF8String', () => {
    expect(hex(encodeDistinguishedName('CN=#0C03616263'))).toBe(hex(encodeDistinguishedName('CN=abc')));
    const unknown = encodeDistinguishedName('1.3.6.1.4.1.99999.1=hello');
    expect(formatDistinguishedName(unknown)).toBe('1.3.6.1.4.1.99999.1=#0C0568656C6C6F');
    expect(hex(encodeDistinguishedName('1.3.6.1.4.1.99999.1=#0C0568656C6C6F'))).toBe(hex(unknown));
  });

  it('encodes the empty DN as an empty SEQUENCE', () => {
    expect(hex(encodeDistinguishedName(''))).toBe('3000');
    expect(formatDistinguishedName(Buffer.from('3000', 'hex'))).toBe('');
  });

  it.each([
    ['unknown type', 'XX=1'],
    ['missing =', 'CN'],
    ['trailing comma', 'CN=a,'],
    ['empty RDN', 'CN=a,,O=b'],
    ['empty value', 'CN='],
    ['only spaces', 'CN=   '],
    ['unescaped ;', 'CN=a;O=b'],
    ['unescaped <', 'CN=a<b'],
    ['unescaped "', 'CN="quoted"'],
    ['bad escape', 'CN=a\\x'],
    ['dangling escape', 'CN=a\\'],
    ['invalid UTF-8 in hex escapes', 'CN=\\C3\\28'],
    ['C too long', 'C=USA'],
    ['C not printable', 'C=Ü1'],
    ['serialNumber not printable', 'serialNumber=A_1'],
    ['email not ASCII', 'emailAddress=ä@example.com'],
    ['control character', 'CN=a\\0Ab'],
    ['odd #hex', 'CN=#0C0'],
    ['#hex that is not one element', 'CN=#0C0161FF'],
    ['text after #hex', 'CN=#0C0161 x'],
    ['bad OID', '1.99.1=a'],
    ['type with comma', 'C,N=a'],
    ['lone surrogate', 'CN=\uD800'],
  ])('rejects %s with MALFORMED_NAME', (_label, dn) => {
    expectMalformed(() => encodeDistinguishedName(dn));
  });

  it('rejects oversized input', () => {
    expectMalformed(() => encodeDistinguishedName('CN=' + 'a'.repeat(20_000)));
    expectMalformed(() => encodeDistinguishedName(Array.from({ length: 100 }, (_, i) => `OU=${i}`).join(',')));
  });
});

describe('formatDistinguishedName', () => {
  it('prints what openssl -nameopt RFC2253 prints for the same Name', () => {
    // `openssl req -in names.csr.pem -noout -subject -nameopt RFC2253`
    expect(formatDistinguishedName(parseCsr(readCsrFixture('names')).subjectDer)).toBe(
      'emailAddress=jdoe@example.com,serialNumber=ABC-123,UID=jdoe,CN=Doe\\, John \\"JD\\",OU=\\#1 \\<lab\\>,' +
        'OU=R\\+D,O=Acme\\, Inc.,L=New York,ST=NY,C=US,DC=example,DC=com',
    );
    expect(formatDistinguishedName(parseCsr(readCsrFixture('names-multivalued')).subjectDer)).toBe('CN=John Doe+UID=jdoe,O=Acme');
  });

  it.each([
    'CN=Dev CA,O=Acme,C=US',
    'CN=Doe\\, John,OU=R\\+D,O=Acme\\; Ltd\\<\\>\\"\\\\',
    'CN=\\#hash,O=\\ lead,OU=trail\\ ',
    'CN=a=b#c',
    'CN=Gerät 日本 😀',
    'CN=x+UID=y,DC=example,DC=com',
  ])('round-trips %s', (dn) => {
    expect(formatDistinguishedName(encodeDistinguishedName(dn))).toBe(dn);
  });

  it('decodes PrintableString, T61String, BMPString and UniversalString values', () => {
    const name = (tag: number, content: Buffer) => {
      const value = Buffer.concat([Buffer.from([tag, content.length]), content]);
      const ava = Buffer.concat([Buffer.from('0603550403', 'hex'), value]);
      const seq = Buffer.concat([Buffer.from([0x30, ava.length]), ava]);
      const set = Buffer.concat([Buffer.from([0x31, seq.length]), seq]);
      return Buffer.concat([Buffer.from([0x30, set.length]), set]);
    };
    expect(formatDistinguishedName(name(0x13, Buffer.from('abc')))).toBe('CN=abc');
    expect(formatDistinguishedName(name(0x14, Buffer.from('caf\xe9', 'latin1')))).toBe('CN=café');
    expect(formatDistinguishedName(name(0x1e, Buffer.from('00e9d83dde00', 'hex')))).toBe('CN=é😀');
    expect(formatDistinguishedName(name(0x1c, Buffer.from('000000e90001f600', 'hex')))).toBe('CN=é😀');
    // a value with no string form is printed as #hex (RFC 4514 §2.4)
    expect(formatDistinguishedName(name(0x04, Buffer.from('0102', 'hex')))).toBe('CN=#04020102');
  });

  it('escapes control characters so the output is safe to log', () => {
    const der = encodeDistinguishedName('CN=#0C03610A62');
    expect(formatDistinguishedName(der)).toBe('CN=a\\0Ab');
  });

  it('accepts BER (indefinite lengths) as found in CSRs', () => {
    const ber = Buffer.from('3080' + '3180' + '300906035504030c0278790000' + '0000', 'hex');
    expect(formatDistinguishedName(ber)).toBe('CN=xy');
  });

  it.each([
    ['empty input', ''],
    ['not a SEQUENCE', '310d300b060355040a0c0441636d65'],
    ['truncated', '302f310b30090603550406130255'],
    ['trailing bytes', '30003000'],
    ['RDN not a SET', '30053003020101'],
    ['empty RDN', '30023100'],
    ['AVA without value', '3007310530030603550403'.slice(0, 18)],
    ['type not an OID', '300a3108300602010105014141'],
    ['length overflow', '3084ffffffff'],
  ])('rejects %s with MALFORMED_NAME', (_label, h) => {
    expectMalformed(() => formatDistinguishedName(Buffer.from(h, 'hex')));
  });
});

describe('parseDistinguishedName / composeDistinguishedName', () => {
  it('reads attributes most specific first, with canonical type names and escapes undone', () => {
    expect(parseDistinguishedName('CN=Smith\\, John,OU=Sales+OU=EU,O=Acme,commonName=x')).toEqual([
      { type: 'CN', value: 'Smith, John' },
      { type: 'OU', value: 'Sales' },
      { type: 'OU', value: 'EU' },
      { type: 'O', value: 'Acme' },
      { type: 'CN', value: 'x' },
    ]);
  });

  it('round-trips through compose and encodes to what formatDistinguishedName prints', () => {
    const attrs = [{ type: 'CN', value: 'a+b, "c"' }, { type: 'O', value: 'Acme' }];
    const dn = composeDistinguishedName(attrs);
    expect(parseDistinguishedName(dn)).toEqual(attrs);
    expect(formatDistinguishedName(encodeDistinguishedName(dn))).toBe(dn);
  });
});
