import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { derToPemForTest, expectPkiError, openssl, pemToDerForTest, readCsrFixture, Scratch } from './__fixtures__/test-helpers';
import { parseCsr, CSR_LIMITS, type CsrInfo } from './csr';
import { PkiError } from './errors';

// Minimal DER writer for crafting requests openssl cannot produce (test-only, independent of the lib).
function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), len(content.length), content]);
}
/** Indefinite-length constructed encoding (BER only). */
function indefinite(tag: number, ...parts: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([tag, 0x80]), ...parts, Buffer.from([0, 0])]);
}
const OID = {
  challengePassword: Buffer.from('06092a864886f70d010907', 'hex'),
  extensionRequest: Buffer.from('06092a864886f70d01090e', 'hex'),
  san: Buffer.from('0603551d11', 'hex'),
  basicConstraints: Buffer.from('0603551d13', 'hex'),
  sha256WithRSA: Buffer.from('300d06092a864886f70d01010b0500', 'hex'),
};
const CN_TEST = tlv(0x30, tlv(0x31, tlv(0x30, Buffer.from('0603550403', 'hex'), tlv(0x0c, Buffer.from('crafted')))));

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaSpki = rsa.publicKey.export({ type: 'spki', format: 'der' });

interface CraftOptions {
  attributes?: Buffer[];
  subject?: Buffer;
  spki?: Buffer;
  key?: KeyObject;
  /** Wrap CertificationRequestInfo and the outer SEQUENCE in indefinite lengths. */
  ber?: boolean;
}
function craftCsr(o: CraftOptions = {}): Buffer {
  const body = [tlv(0x02, Buffer.from([0])), o.subject ?? CN_TEST, o.spki ?? rsaSpki, tlv(0xa0, ...(o.attributes ?? []))];
  const cri = o.ber ? indefinite(0x30, ...body) : tlv(0x30, ...body);
  const signature = sign('sha256', cri, o.key ?? rsa.privateKey);
  const parts = [cri, OID.sha256WithRSA, tlv(0x03, Buffer.from([0]), signature)];
  return o.ber ? indefinite(0x30, ...parts) : tlv(0x30, ...parts);
}
const challengeAttr = (value: Buffer) => tlv(0x30, OID.challengePassword, tlv(0x31, value));
const extensionsAttr = (...extensions: Buffer[]) => tlv(0x30, OID.extensionRequest, tlv(0x31, tlv(0x30, ...extensions)));


describe('parseCsr with openssl-generated requests', () => {
  const scratch = new Scratch();
  afterAll(() => scratch.cleanup());

  /** The SubjectPublicKeyInfo DER as openssl reads it from the request. */
  function opensslSpki(name: string): Buffer {
    const path = scratch.write(`${name}.csr.der`, readCsrFixture(name));
    const pem = openssl(['req', '-inform', 'DER', '-in', path, '-noout', '-pubkey']).stdout;
    return pemToDerForTest(pem);
  }

  it('reads an RSA-2048 request: key, subject, PrintableString challenge, every SAN kind, extensions', () => {
    const der = readCsrFixture('rsa2048-printable');
    const csr = parseCsr(der);
    expect(csr.der.equals(der)).toBe(true);
    expect(csr.keyAlgorithm).toBe('rsa');
    expect(csr.keySize).toBe(2048);
    expect(csr.publicKey.asymmetricKeyType).toBe('rsa');
    expect(csr.spkiDer.equals(opensslSpki('rsa2048-printable'))).toBe(true);
    expect(csr.subject).toBe('emailAddress=device@example.com,CN=device-001,OU=Devices,O=Acme\\, Inc.,ST=California,C=US');
    expect(csr.challengePassword).toBe('Secret123');
    expect(csr.signatureAlgorithmOid).toBe('1.2.840.113549.1.1.11');
    expect(csr.signatureValid).toBe(true);

    const plain = csr.subjectAltNames.filter((n) => n.type !== 'other');
    expect(plain).toEqual([
      { type: 'dns', value: 'device-001.example.com' },
      { type: 'dns', value: '*.example.org' },
      { type: 'email', value: 'device@example.com' },
      { type: 'uri', value: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6' },
      { type: 'ip', value: '192.0.2.10' },
      { type: 'ip', value: '2001:db8::1' },
      { type: 'ip', value: '::ffff:0:1' },
    ]);
    const other = csr.subjectAltNames.filter((n) => n.type === 'other');
    expect(other.map((n) => n.type === 'other' && n.tag)).toEqual([0, 4, 8]);
    const [upn, dirName, rid] = other.map((n) => (n.type === 'other' ? n.der : Buffer.alloc(0)));
    // otherName [0] { 1.3.6.1.4.1.311.20.2.3 (UPN), [0] { UTF8String } }
    expect(upn[0]).toBe(0xa0);
    expect(upn.includes(Buffer.from('060a2b0601040182371402030', 'hex').subarray(0, 11))).toBe(true);
    expect(upn.includes(Buffer.from('device@corp.example'))).toBe(true);
    expect(dirName[0]).toBe(0xa4);
    expect(dirName.includes(Buffer.from('Directory Name'))).toBe(true);
    expect(rid.toString('hex')).toBe('88042a030405');

    expect(csr.requestedExtensions.map((e) => [e.oid, e.critical])).toEqual([
      ['2.5.29.14', false],
      ['2.5.29.19', true],
      ['2.5.29.15', true],
      ['2.5.29.37', false],
      ['2.5.29.17', false],
    ]);
    const sanExt = csr.requestedExtensions.find((e) => e.oid === '2.5.29.17');
    expect(csr.subjectAltNameDer?.equals(sanExt?.value ?? Buffer.alloc(0))).toBe(true);
    expect(csr.subjectAltNameDer?.[0]).toBe(0x30);
    // basicConstraints CA:TRUE is reported as requested; copying it is the caller's (forbidden) choice.
    expect(csr.requestedExtensions[1].value.toString('hex')).toBe('30030101ff');
  });

  it('decodes a UTF8String challenge with non-ASCII characters', () => {
    const csr = parseCsr(readCsrFixture('rsa2048-utf8'));
    expect(csr.challengePassword).toBe('pässwörd-✓-日本');
    expect(csr.subject).toBe('CN=Gerät Ünïcødé,O=Gerätebau GmbH,C=DE');
    expect(csr.signatureValid).toBe(true);
  });

  it('decodes a BMPString challenge (openssl string_mask=pkix) on an EC P-256 request', () => {
    const csr = parseCsr(readCsrFixture('ec-p256-bmp'));
    expect(csr.challengePassword).toBe('p@ss_wörd');
    expect(csr.keyAlgorithm).toBe('ec');
    expect(csr.keySize).toBe(256);
    expect(csr.signatureAlgorithmOid).toBe('1.2.840.10045.4.3.2');
    expect(csr.signatureValid).toBe(true);
    expect(csr.spkiDer.equals(opensslSpki('ec-p256-bmp'))).toBe(true);
    expect(csr.subjectAltNames).toEqual([]);
    expect(csr.subjectAltNameDer).toBeUndefined();
  });

  it('decodes a T61String challenge as Latin-1', () => {
    expect(parseCsr(readCsrFixture('rsa2048-t61')).challengePassword).toBe('p@ss_wörd');
  });

  it('accepts a challenge longer than the PKCS#9 bound of 255', () => {
    const csr = parseCsr(readCsrFixture('rsa2048-long-challenge'));
    expect(csr.challengePassword).toBe('A1b2C3d4E5'.repeat(30));
    expect(csr.signatureAlgorithmOid).toBe('1.2.840.113549.1.1.13');
    expect(csr.signatureValid).toBe(true);
  });

  it.each([
    ['rsa2048-sha1', '1.2.840.113549.1.1.5', 'rsa', 2048],
    ['rsa2048-pss', '1.2.840.113549.1.1.10', 'rsa', 2048],
    ['ec-p384-sha384', '1.2.840.10045.4.3.3', 'ec', 384],
    ['ed25519', '1.3.101.112', 'other', 256],
  ])('verifies %s', (name, oid, keyAlgorithm, keySize) => {
    const csr = parseCsr(readCsrFixture(name));
    expect(csr.signatureAlgorithmOid).toBe(oid);
    expect(csr.signatureValid).toBe(true);
    expect(csr.keyAlgorithm).toBe(keyAlgorithm);
    expect(csr.keySize).toBe(keySize);
  });

  it('reports a tampered signature or tampered content as signatureValid=false', () => {
    const der = readCsrFixture('rsa2048-printable');
    const badSignature = Buffer.from(der);
    badSignature[badSignature.length - 1] ^= 0x01;
    expect(parseCsr(badSignature).signatureValid).toBe(false);

    const badContent = Buffer.from(der);
    const at = badContent.indexOf(Buffer.from('device-001'));
    badContent[at] = 'D'.charCodeAt(0);
    const csr = parseCsr(badContent);
    expect(csr.subject).toContain('CN=Device-001');
    expect(csr.signatureValid).toBe(false);

    // openssl agrees (`req -verify` exits 0 either way in OpenSSL 3.0; its verdict is the text)
    const scratch2 = new Scratch();
    try {
      const verdict = (file: Buffer) => {
        const r = openssl(['req', '-inform', 'DER', '-in', scratch2.write('r.der', file), '-noout', '-verify']);
        return `${r.stdout}${r.stderr}`;
      };
      expect(verdict(der)).toContain('verify OK');
      expect(verdict(badSignature)).toContain('verify failure');
    } finally {
      scratch2.cleanup();
    }
  });

  it('reports an EC request whose signature was swapped for another as invalid', () => {
    const a = readCsrFixture('ec-p256-bmp');
    const signatureOf = (der: Buffer) => der.subarray(der.length - 70);
    const tampered = Buffer.from(a);
    // flip a byte inside the ECDSA r value (after the BIT STRING and SEQUENCE headers)
    tampered[tampered.length - signatureOf(a).length + 10] ^= 0x40;
    expect(parseCsr(tampered).signatureValid).toBe(false);
  });
});

describe('parseCsr with crafted requests', () => {
  it('decodes challengePassword in every DirectoryString form', () => {
    const cases: [number, Buffer, string][] = [
      [0x13, Buffer.from('Secret123'), 'Secret123'],
      [0x0c, Buffer.from('pässwörd 😀', 'utf8'), 'pässwörd 😀'],
      [0x16, Buffer.from('ia5-secret'), 'ia5-secret'],
      [0x14, Buffer.from('caf\xe9', 'latin1'), 'café'],
      [0x1e, Buffer.from('007000e4d83dde00', 'hex'), 'pä😀'], // BMPString with a surrogate pair (UTF-16BE)
      [0x1c, Buffer.from('00000070000000e40001f600', 'hex'), 'pä😀'], // UniversalString (UTF-32BE)
    ];
    for (const [tag, bytes, expected] of cases) {
      const csr = parseCsr(craftCsr({ attributes: [challengeAttr(tlv(tag, bytes))] }));
      expect(csr.challengePassword).toBe(expected);
      expect(csr.signatureValid).toBe(true);
    }
  });

  it('accepts BER: indefinite lengths, a constructed UTF8String challenge and a constructed extension value', () => {
    const challenge = indefinite(0x2c, tlv(0x04, Buffer.from('pass')), tlv(0x04, Buffer.from('word')));
    const sanValue = tlv(0x30, tlv(0x82, Buffer.from('ber.example')));
    const sanExt = tlv(0x30, OID.san, indefinite(0x24, tlv(0x04, sanValue.subarray(0, 5)), tlv(0x04, sanValue.subarray(5))));
    const der = craftCsr({ ber: true, attributes: [challengeAttr(challenge), extensionsAttr(sanExt)] });
    const csr = parseCsr(der);
    expect(csr.challengePassword).toBe('password');
    expect(csr.subjectAltNames).toEqual([{ type: 'dns', value: 'ber.example' }]);
    expect(csr.subjectAltNameDer?.equals(sanValue)).toBe(true);
    expect(csr.subject).toBe('CN=crafted');
    expect(csr.signatureValid).toBe(true);
  });

  it('keeps an openssl request valid when only its outer SEQUENCE is re-encoded as BER', () => {
    const der = readCsrFixture('rsa2048-printable');
    // 30 82 LL LL <content>  ->  30 80 <content> 00 00
    const ber = Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(4), Buffer.from([0, 0])]);
    const csr = parseCsr(ber);
    expect(csr.signatureValid).toBe(true);
    expect(csr.challengePassword).toBe('Secret123');
  });

  it('reports no challenge when the attribute is absent, and an empty one as ""', () => {
    expect(parseCsr(craftCsr()).challengePassword).toBeUndefined();
    expect(parseCsr(craftCsr({ attributes: [challengeAttr(tlv(0x13, Buffer.alloc(0)))] })).challengePassword).toBe('');
  });

  it.each([
    ['a duplicated challengePassword attribute', [challengeAttr(tlv(0x13, Buffer.from('a'))), challengeAttr(tlv(0x13, Buffer.from('b')))]],
    ['a multi-valued challengePassword', [tlv(0x30, OID.challengePassword, tlv(0x31, tlv(0x13, Buffer.from('a')), tlv(0x13, Buffer.from('b'))))]],
    ['a challengePassword that is not a string', [challengeAttr(tlv(0x04, Buffer.from('x')))]],
    ['a UTF8String challenge with invalid UTF-8', [challengeAttr(tlv(0x0c, Buffer.from('c328', 'hex')))]],
    ['a BMPString challenge of odd length', [challengeAttr(tlv(0x1e, Buffer.from('006100', 'hex')))]],
    ['a BMPString challenge with a lone surrogate', [challengeAttr(tlv(0x1e, Buffer.from('d800', 'hex')))]],
    ['a UniversalString challenge beyond U+10FFFF', [challengeAttr(tlv(0x1c, Buffer.from('00110000', 'hex')))]],
    [
      'a duplicated requested extension',
      [extensionsAttr(tlv(0x30, OID.basicConstraints, tlv(0x04, Buffer.from('3000', 'hex'))), tlv(0x30, OID.basicConstraints, tlv(0x04, Buffer.from('3000', 'hex'))))],
    ],
    ['a SAN with a bad iPAddress length', [extensionsAttr(tlv(0x30, OID.san, tlv(0x04, tlv(0x30, tlv(0x87, Buffer.from([1, 2, 3]))))))]],
    ['a SAN dNSName with a NUL', [extensionsAttr(tlv(0x30, OID.san, tlv(0x04, tlv(0x30, tlv(0x82, Buffer.from('a\0.example'))))))]],
    ['an empty SAN', [extensionsAttr(tlv(0x30, OID.san, tlv(0x04, tlv(0x30))))]],
    ['too many attributes', Array.from({ length: CSR_LIMITS.maxAttributes + 1 }, () => tlv(0x30, Buffer.from('0603550403', 'hex'), tlv(0x31)))],
  ])('rejects %s with MALFORMED_CSR', (_label, attributes) => {
    expectPkiError(() => parseCsr(craftCsr({ attributes })), 'MALFORMED_CSR');
  });

  it('reports a key algorithm Node cannot load as UNSUPPORTED_KEY', () => {
    // GOST R 34.10-2012 (256) SubjectPublicKeyInfo shape with junk key bits
    const spki = tlv(0x30, tlv(0x30, Buffer.from('06082a85030701010101', 'hex')), tlv(0x03, Buffer.from([0]), tlv(0x04, randomBytes(64))));
    expectPkiError(() => parseCsr(craftCsr({ spki })), 'UNSUPPORTED_KEY');
  });

  it('rejects a broken RSA key as MALFORMED_CSR', () => {
    const spki = tlv(0x30, tlv(0x30, Buffer.from('06092a864886f70d0101010500', 'hex')), tlv(0x03, Buffer.from([0]), Buffer.from('3003020100', 'hex')));
    expectPkiError(() => parseCsr(craftCsr({ spki })), 'MALFORMED_CSR');
  });

  describe('RSA keys imported from the PKCS#1 RSAPublicKey (fast path) agree with the SPKI decoder', () => {
    const rsaOid = Buffer.from('06092a864886f70d010101', 'hex');
    const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'der' });
    const spkiWith = (algorithm: Buffer, bits: Buffer = tlv(0x03, Buffer.from([0]), pkcs1)) => tlv(0x30, algorithm, bits);
    const opensslVerdict = (spki: Buffer) => {
      try {
        return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' });
      } catch {
        return undefined;
      }
    };

    it.each([
      ['NULL parameters', spkiWith(tlv(0x30, rsaOid, Buffer.from('0500', 'hex')))],
      ['absent parameters', spkiWith(tlv(0x30, rsaOid))],
      ['an OID as parameters (OpenSSL ignores them)', spkiWith(tlv(0x30, rsaOid, Buffer.from('06022a03', 'hex')))],
      ['octets after the RSAPublicKey', spkiWith(tlv(0x30, rsaOid, Buffer.from('0500', 'hex')), tlv(0x03, Buffer.from([0]), pkcs1, Buffer.from('0000', 'hex')))],
    ])('accepts %s with the same key', (_label, spki) => {
      const csr = parseCsr(craftCsr({ spki }));
      expect(opensslVerdict(spki)).toBeDefined();
      expect(csr.publicKey.export({ type: 'spki', format: 'der' })).toEqual(opensslVerdict(spki));
      expect(csr.publicKey.export({ type: 'spki', format: 'der' })).toEqual(rsaSpki);
      expect(csr).toMatchObject({ keyAlgorithm: 'rsa', keySize: 2048, signatureValid: true });
      expect(csr.spkiDer).toEqual(spki);
    });

    it('leaves a BIT STRING with unused bits to the SPKI decoder, which clears them (so the key changes)', () => {
      const spki = spkiWith(tlv(0x30, rsaOid, Buffer.from('0500', 'hex')), tlv(0x03, Buffer.from([3]), pkcs1));
      const csr = parseCsr(craftCsr({ spki }));
      expect(csr.publicKey.export({ type: 'spki', format: 'der' })).toEqual(opensslVerdict(spki));
      expect(csr.publicKey.export({ type: 'spki', format: 'der' })).not.toEqual(rsaSpki);
      expect(csr.signatureValid).toBe(false);
    });

    it.each([
      ['a NULL with content', spkiWith(tlv(0x30, rsaOid, Buffer.from('050100', 'hex')))],
      ['a BOOLEAN of two octets', spkiWith(tlv(0x30, rsaOid, Buffer.from('01020000', 'hex')))],
      ['an empty INTEGER', spkiWith(tlv(0x30, rsaOid, Buffer.from('0200', 'hex')))],
    ])('rejects parameters OpenSSL cannot parse (%s) as MALFORMED_CSR, as the SPKI decoder does', (_label, spki) => {
      expect(opensslVerdict(spki)).toBeUndefined();
      expectPkiError(() => parseCsr(craftCsr({ spki })), 'MALFORMED_CSR');
    });

    it('agrees with the SPKI decoder on mutated RSA keys', () => {
      const base = spkiWith(tlv(0x30, rsaOid, Buffer.from('0500', 'hex')));
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
          const spki = Buffer.from(base);
          for (const [at, value] of edits) spki[at] = value;
          let ours: Buffer | string;
          try {
            ours = parseCsr(craftCsr({ spki })).publicKey.export({ type: 'spki', format: 'der' });
          } catch (err) {
            ours = (err as PkiError).code;
          }
          const reference = opensslVerdict(spki);
          // A key OpenSSL reads is read the same; one it refuses is refused (the BER reader may refuse it first).
          if (reference) expect(ours).toEqual(reference);
          else expect(['MALFORMED_CSR', 'UNSUPPORTED_KEY']).toContain(ours);
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('parseCsr on hostile input', () => {
  const good = readCsrFixture('rsa2048-printable');

  it.each([
    ['empty input', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x30])],
    ['random bytes', randomBytes(512)],
    ['ASCII text', Buffer.from('-----BEGIN CERTIFICATE REQUEST-----')],
    ['trailing garbage', Buffer.concat([good, Buffer.from([0])])],
    ['a certificate instead of a request', Buffer.from('3082010a3081f0a003020102020101300d06092a864886f70d01010b0500', 'hex')],
    ['an over-long length', Buffer.from('3084ffffffff00', 'hex')],
    ['deep nesting', Buffer.concat([Buffer.alloc(20_000, Buffer.from([0x30, 0x80]))])],
    ['input over the size cap', Buffer.concat([Buffer.from([0x30, 0x83, 0x01, 0x00, 0x00]), Buffer.alloc(CSR_LIMITS.maxBytes)])],
  ])('rejects %s with MALFORMED_CSR', (_label, der) => {
    expectPkiError(() => parseCsr(der), 'MALFORMED_CSR');
  });

  it('rejects every truncation of a valid request with MALFORMED_CSR', () => {
    for (let n = 0; n < good.length; n += 7) expectPkiError(() => parseCsr(good.subarray(0, n)), 'MALFORMED_CSR');
  });

  it('never throws anything but a PkiError for mutated requests', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const mutated = Buffer.from(good);
        for (const [at, value] of edits) mutated[at] = value;
        let result: CsrInfo | undefined;
        try {
          result = parseCsr(mutated);
        } catch (err) {
          expect(err).toBeInstanceOf(PkiError);
          expect(['MALFORMED_CSR', 'UNSUPPORTED_KEY']).toContain((err as PkiError).code);
          return;
        }
        expect(typeof result.signatureValid).toBe('boolean');
      }),
      { numRuns: 400 },
    );
  });

  it('does not share memory with the caller (later changes to the input do not leak into the result)', () => {
    const input = Buffer.from(good);
    const csr = parseCsr(input);
    const subject = Buffer.from(csr.subjectDer);
    input.fill(0);
    expect(csr.subjectDer.equals(subject)).toBe(true);
    expect(csr.der.equals(good)).toBe(true);
  });
});

describe('parseCsr interoperates with an openssl-signed request made from our own crafted key', () => {
  it('reads a request openssl signs with a key we generated', () => {
    const scratch = new Scratch();
    try {
      const keyPath = scratch.write('k.pem', createPrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })).export({ type: 'pkcs8', format: 'pem' }));
      const r = openssl(['req', '-new', '-key', keyPath, '-subj', '/CN=interop', '-outform', 'PEM']);
      expect(r.status).toBe(0);
      const csr = parseCsr(pemToDerForTest(r.stdout));
      expect(csr.spkiDer.equals(rsaSpki)).toBe(true);
      expect(csr.subject).toBe('CN=interop');
      expect(csr.signatureValid).toBe(true);
      expect(derToPemForTest(csr.der, 'CERTIFICATE REQUEST')).toBe(r.stdout);
    } finally {
      scratch.cleanup();
    }
  });
});
