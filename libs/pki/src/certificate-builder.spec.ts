import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  certificateInfoForTest,
  expectPkiError,
  derToPemForTest,
  openssl,
  parseOpensslExtensions,
  pemToDerForTest,
  readCsrFixture,
  Scratch,
  type TextExtension,
} from './__fixtures__/test-helpers';
import {
  buildSelfSignedCaCertificate,
  issueCertificate,
  randomSerial,
  type IssueCertificateRequest,
  type KeyUsageBit,
} from './certificate-builder';
import type { CertificateInfo } from './certificate-info';
import { parseCsr } from './csr';
import { generateRsaKeyPair, type KeyPair } from './keys';
import { encodeDistinguishedName } from './name';

const DAY = 86_400_000;
const now = new Date();
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const scratch = new Scratch();
afterAll(() => scratch.cleanup());

let caKeys: KeyPair;
let caDer: Buffer;
let ca: CertificateInfo;

beforeAll(async () => {
  caKeys = await generateRsaKeyPair(2048);
  caDer = buildSelfSignedCaCertificate({
    subjectDer: encodeDistinguishedName('CN=Dev CA,O=Acme,C=US'),
    keyPair: caKeys,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 3650 * DAY),
    digest: 'sha256',
    serial: randomSerial(),
  });
  ca = certificateInfoForTest(caDer);
});

function writePem(name: string, der: Uint8Array): string {
  return scratch.write(name, derToPemForTest(der, 'CERTIFICATE'));
}

function verifyWithOpenssl(certDer: Buffer, rootDer: Buffer, untrusted?: Buffer): string {
  const args = ['verify', '-CAfile', writePem('root.pem', rootDer)];
  if (untrusted) args.push('-untrusted', writePem('untrusted.pem', untrusted));
  args.push(writePem('cert.pem', certDer));
  const r = openssl(args);
  return `${r.stdout}${r.stderr}`.trim();
}

function opensslText(der: Buffer): { text: string; extensions: Map<string, TextExtension> } {
  const text = openssl(['x509', '-in', writePem('show.pem', der), '-noout', '-text']).stdout;
  return { text, extensions: parseOpensslExtensions(text) };
}

function colonHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}

function keyBitsSha1(spkiDer: Buffer): Buffer {
  const spki = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(spkiDer).result });
  return createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest();
}

function leafRequest(overrides: Partial<IssueCertificateRequest> = {}): IssueCertificateRequest {
  const csr = parseCsr(readCsrFixture('rsa2048-printable'));
  return {
    issuer: ca,
    issuerKey: caKeys.privateKey,
    subjectDer: csr.subjectDer,
    subjectSpkiDer: csr.spkiDer,
    serial: randomSerial(),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 365 * DAY),
    digest: 'sha256',
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: [CLIENT_AUTH],
    ...(csr.subjectAltNameDer ? { subjectAltNameDer: csr.subjectAltNameDer } : {}),
    ...overrides,
  };
}


describe('buildSelfSignedCaCertificate', () => {
  it('passes `openssl verify -CAfile ca.pem ca.pem`', () => {
    expect(verifyWithOpenssl(caDer, caDer)).toBe(`${scratch.path('cert.pem')}: OK`);
  });

  it('carries exactly basicConstraints, keyUsage, SKI and AKI=SKI', () => {
    const { text, extensions } = opensslText(caDer);
    expect([...extensions.keys()]).toEqual([
      'X509v3 Basic Constraints',
      'X509v3 Key Usage',
      'X509v3 Subject Key Identifier',
      'X509v3 Authority Key Identifier',
    ]);
    expect(extensions.get('X509v3 Basic Constraints')).toEqual({ critical: true, value: 'CA:TRUE' });
    expect(extensions.get('X509v3 Key Usage')).toEqual({ critical: true, value: 'Digital Signature, Certificate Sign, CRL Sign' });
    const ski = colonHex(keyBitsSha1(caKeys.publicKey.export({ type: 'spki', format: 'der' })));
    expect(extensions.get('X509v3 Subject Key Identifier')).toEqual({ critical: false, value: ski });
    expect(extensions.get('X509v3 Authority Key Identifier')?.value.replace(/^keyid:/, '')).toBe(ski);
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    // openssl's default form lists the RDNs in DER order (root first); RFC 2253 form is most specific first
    expect(text).toContain('Issuer: C = US, O = Acme, CN = Dev CA');
    expect(text).toContain('Subject: C = US, O = Acme, CN = Dev CA');
    const rfc2253 = openssl(['x509', '-in', writePem('n.pem', caDer), '-noout', '-subject', '-issuer', '-nameopt', 'RFC2253']).stdout;
    expect(rfc2253).toBe('subject=CN=Dev CA,O=Acme,C=US\nissuer=CN=Dev CA,O=Acme,C=US\n');
  });

  it('writes the subject Name exactly as given, as issuer and subject', () => {
    const subject = encodeDistinguishedName('CN=Dev CA,O=Acme,C=US');
    expect(ca.subjectDer.equals(subject)).toBe(true);
    expect(ca.issuerDer.equals(subject)).toBe(true);
  });

  it('builds a 4096-bit sha512 CA that openssl verifies and that can issue', async () => {
    const keys = await generateRsaKeyPair(4096);
    const der = buildSelfSignedCaCertificate({
      subjectDer: encodeDistinguishedName('CN=Big CA,O=Acme'),
      keyPair: keys,
      notBefore: now,
      notAfter: new Date(now.getTime() + 7300 * DAY),
      digest: 'sha512',
      serial: randomSerial(),
    });
    expect(verifyWithOpenssl(der, der)).toMatch(/: OK$/);
    const { text } = opensslText(der);
    expect(text).toContain('Public-Key: (4096 bit)');
    expect(text).toContain('Signature Algorithm: sha512WithRSAEncryption');
    const leaf = issueCertificate(leafRequest({ issuer: certificateInfoForTest(der), issuerKey: keys.privateKey, digest: 'sha384' }));
    expect(verifyWithOpenssl(leaf, der)).toMatch(/: OK$/);
    expect(opensslText(leaf).text).toContain('Signature Algorithm: sha384WithRSAEncryption');
  }, 60_000);
});

describe('issueCertificate', () => {
  it('issues a client certificate that `openssl verify` accepts, with exactly the expected extensions', () => {
    const csr = parseCsr(readCsrFixture('rsa2048-printable'));
    const der = issueCertificate(
      leafRequest({ crlDistributionPoints: ['http://crl.example.com/dev-ca.crl', 'ldap://ldap.example.com/cn=Dev%20CA?certificateRevocationList'] }),
    );
    expect(verifyWithOpenssl(der, caDer)).toBe(`${scratch.path('cert.pem')}: OK`);

    const { text, extensions } = opensslText(der);
    expect([...extensions.keys()]).toEqual([
      'X509v3 Basic Constraints',
      'X509v3 Key Usage',
      'X509v3 Extended Key Usage',
      'X509v3 Subject Key Identifier',
      'X509v3 Authority Key Identifier',
      'X509v3 Subject Alternative Name',
      'X509v3 CRL Distribution Points',
    ]);
    // The CSR asked for CA:TRUE and keyCertSign: neither is in the certificate.
    expect(extensions.get('X509v3 Basic Constraints')).toEqual({ critical: true, value: 'CA:FALSE' });
    expect(extensions.get('X509v3 Key Usage')).toEqual({ critical: true, value: 'Digital Signature, Key Encipherment' });
    expect(extensions.get('X509v3 Extended Key Usage')).toEqual({ critical: false, value: 'TLS Web Client Authentication' });
    // SKI: the same SHA-1 of the key bits that openssl put into the CSR (subjectKeyIdentifier = hash).
    const csrSki = csr.requestedExtensions.find((e) => e.oid === '2.5.29.14')?.value.subarray(2);
    expect(extensions.get('X509v3 Subject Key Identifier')).toEqual({ critical: false, value: colonHex(csrSki ?? Buffer.alloc(0)) });
    expect(extensions.get('X509v3 Authority Key Identifier')?.value.replace(/^keyid:/, '')).toBe(colonHex(ca.subjectKeyIdentifier ?? Buffer.alloc(0)));
    expect(extensions.get('X509v3 Subject Alternative Name')).toEqual({
      critical: false,
      value:
        'DNS:device-001.example.com, DNS:*.example.org, email:device@example.com, URI:urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6, ' +
        'IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:0:1, othername: UPN::device@corp.example, ' +
        'DirName:/O=Acme/CN=Directory Name, Registered ID:1.2.3.4.5',
    });
    expect(extensions.get('X509v3 CRL Distribution Points')).toEqual({
      critical: false,
      value: 'Full Name:\nURI:http://crl.example.com/dev-ca.crl\nURI:ldap://ldap.example.com/cn=Dev%20CA?certificateRevocationList',
    });
    expect(text).toContain('Subject: C = US, ST = California, O = "Acme, Inc.", OU = Devices, CN = device-001, emailAddress = device@example.com');
    expect(text).toContain('Issuer: C = US, O = Acme, CN = Dev CA');
  });

  it('copies subject, SPKI and issuer Name byte for byte, and the serial as given', () => {
    const csr = parseCsr(readCsrFixture('rsa2048-printable'));
    const serial = randomSerial();
    const der = issueCertificate(leafRequest({ serial }));
    const info = certificateInfoForTest(der);
    expect(info.subjectDer.equals(csr.subjectDer)).toBe(true);
    expect(info.issuerDer.equals(ca.subjectDer)).toBe(true);
    expect(der.includes(csr.spkiDer)).toBe(true);
    expect(info.serialNumber.equals(serial)).toBe(true);
    expect(new X509Certificate(der).serialNumber.toUpperCase()).toBe(serial.toString('hex').toUpperCase());
  });

  it('copies a non-canonical subject encoding (PrintableString CN) without re-encoding it', () => {
    // rsa2048-printable's subject uses PrintableString values; our own encoder would write UTF8String.
    const csr = parseCsr(readCsrFixture('rsa2048-printable'));
    const der = issueCertificate(leafRequest());
    expect(certificateInfoForTest(der).subjectDer.equals(csr.subjectDer)).toBe(true);
    expect(csr.subjectDer.equals(encodeDistinguishedName(csr.subject))).toBe(false);
  });

  it('issues an RA certificate: digitalSignature + keyEncipherment, no EKU, not a CA', () => {
    const ra = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = issueCertificate({
      issuer: ca,
      issuerKey: caKeys.privateKey,
      subjectDer: encodeDistinguishedName('CN=Dev CA SCEP RA,O=Acme,C=US'),
      subjectSpkiDer: ra.publicKey.export({ type: 'spki', format: 'der' }),
      serial: randomSerial(),
      notBefore: now,
      notAfter: new Date(now.getTime() + 730 * DAY),
      digest: 'sha256',
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extendedKeyUsage: [],
    });
    expect(verifyWithOpenssl(der, caDer)).toMatch(/: OK$/);
    const { extensions } = opensslText(der);
    expect([...extensions.keys()]).toEqual([
      'X509v3 Basic Constraints',
      'X509v3 Key Usage',
      'X509v3 Subject Key Identifier',
      'X509v3 Authority Key Identifier',
    ]);
    expect(extensions.get('X509v3 Basic Constraints')).toEqual({ critical: true, value: 'CA:FALSE' });
    expect(extensions.get('X509v3 Key Usage')).toEqual({ critical: true, value: 'Digital Signature, Key Encipherment' });
    expect(new X509Certificate(der).ca).toBe(false);
  });

  it('issues an intermediate CA with pathLen that can itself issue a verifiable leaf', () => {
    const sub = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const subDer = issueCertificate({
      issuer: ca,
      issuerKey: caKeys.privateKey,
      subjectDer: encodeDistinguishedName('CN=Issuing CA 1,O=Acme,C=US'),
      subjectSpkiDer: sub.publicKey.export({ type: 'spki', format: 'der' }),
      serial: randomSerial(),
      notBefore: now,
      notAfter: new Date(now.getTime() + 1825 * DAY),
      digest: 'sha256',
      keyUsage: ['keyCertSign', 'cRLSign', 'digitalSignature'],
      extendedKeyUsage: [],
      ca: { pathLength: 0 },
    });
    const { extensions } = opensslText(subDer);
    expect(extensions.get('X509v3 Basic Constraints')).toEqual({ critical: true, value: 'CA:TRUE, pathlen:0' });
    expect(extensions.get('X509v3 Key Usage')).toEqual({ critical: true, value: 'Digital Signature, Certificate Sign, CRL Sign' });
    expect(verifyWithOpenssl(subDer, caDer)).toMatch(/: OK$/);

    const leaf = issueCertificate(leafRequest({ issuer: certificateInfoForTest(subDer), issuerKey: sub.privateKey }));
    expect(verifyWithOpenssl(leaf, caDer, subDer)).toMatch(/: OK$/);
    // the root alone does not vouch for the leaf
    expect(verifyWithOpenssl(leaf, caDer)).not.toMatch(/: OK$/);
  });

  it('takes AKI from the issuer SKI as written by another CA (openssl), and falls back to SHA-1 of its key', () => {
    const keyPath = scratch.write('ossl-ca.key', openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']).stdout);
    const issuerKey = createPrivateKey(scratch.read('ossl-ca.key'));
    const makeCa = (ski: string) => {
      const conf = scratch.write(
        'ossl-ca.cnf',
        `[req]\ndistinguished_name=dn\nx509_extensions=v3\nprompt=no\n[dn]\nCN=OpenSSL CA\n[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=${ski}\n`,
      );
      const r = openssl(['req', '-x509', '-new', '-key', keyPath, '-config', conf, '-days', '30', '-outform', 'PEM']);
      expect(r.status).toBe(0);
      return pemToDerForTest(r.stdout);
    };

    const custom = makeCa('01:02:03:04:05');
    const leaf = issueCertificate(leafRequest({ issuer: certificateInfoForTest(custom), issuerKey }));
    expect(opensslText(leaf).extensions.get('X509v3 Authority Key Identifier')?.value.replace(/^keyid:/, '')).toBe('01:02:03:04:05');
    expect(verifyWithOpenssl(leaf, custom)).toMatch(/: OK$/);

    const noSki = makeCa('none');
    const issuer = certificateInfoForTest(noSki);
    expect(issuer.subjectKeyIdentifier).toBeUndefined();
    const leaf2 = issueCertificate(leafRequest({ issuer, issuerKey }));
    expect(opensslText(leaf2).extensions.get('X509v3 Authority Key Identifier')?.value.replace(/^keyid:/, '')).toBe(colonHex(keyBitsSha1(issuer.spkiDer)));
    expect(verifyWithOpenssl(leaf2, noSki)).toMatch(/: OK$/);
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050, without fractions (RFC 5280 §4.1.2.5)', () => {
    const der = issueCertificate(
      leafRequest({ notBefore: new Date('2049-12-31T23:59:59.999Z'), notAfter: new Date('2050-01-01T00:00:00.500Z') }),
    );
    const parsed = openssl(['asn1parse', '-inform', 'DER', '-in', scratch.write('t.der', der)]).stdout;
    expect(parsed).toMatch(/UTCTIME\s+:491231235959Z/);
    expect(parsed).toMatch(/GENERALIZEDTIME\s+:20500101000000Z/);
    const cert = new X509Certificate(der);
    expect(new Date(cert.validFrom).toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2050-01-01T00:00:00.000Z');
  });

  it('marks the SAN critical when the subject is empty (RFC 5280 §4.2.1.6)', () => {
    const der = issueCertificate(leafRequest({ subjectDer: Buffer.from('3000', 'hex') }));
    expect(opensslText(der).extensions.get('X509v3 Subject Alternative Name')?.critical).toBe(true);
    expect(verifyWithOpenssl(der, caDer)).toMatch(/: OK$/);
  });

  it('emits no keyUsage when the list is empty and ignores anything that is not a declared field', () => {
    const sneaky = {
      ...leafRequest({ keyUsage: [], extendedKeyUsage: [] }),
      extensions: [{ oid: '2.5.29.30', critical: true, value: Buffer.from('3000', 'hex') }],
      requestedExtensions: parseCsr(readCsrFixture('rsa2048-printable')).requestedExtensions,
    } as IssueCertificateRequest;
    const { extensions } = opensslText(issueCertificate(sneaky));
    expect([...extensions.keys()]).toEqual([
      'X509v3 Basic Constraints',
      'X509v3 Subject Key Identifier',
      'X509v3 Authority Key Identifier',
      'X509v3 Subject Alternative Name',
    ]);
  });

  it('signs with sha384/sha512 and NULL parameters', () => {
    for (const digest of ['sha384', 'sha512'] as const) {
      const der = issueCertificate(leafRequest({ digest }));
      expect(opensslText(der).text).toContain(`Signature Algorithm: ${digest}WithRSAEncryption`);
      expect(der.includes(Buffer.from(digest === 'sha384' ? '300d06092a864886f70d01010c0500' : '300d06092a864886f70d01010d0500', 'hex'))).toBe(true);
      expect(verifyWithOpenssl(der, caDer)).toMatch(/: OK$/);
    }
  });

  describe('refuses misuse', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    it.each<[string, () => Partial<IssueCertificateRequest>, string]>([
      ['keyCertSign without ca', () => ({ keyUsage: ['keyCertSign'] }), 'INVALID_ARGUMENT'],
      ['pathLength without keyCertSign', () => ({ ca: { pathLength: 1 } }), 'INVALID_ARGUMENT'],
      ['a negative pathLength', () => ({ ca: { pathLength: -1 }, keyUsage: ['keyCertSign'] }), 'INVALID_ARGUMENT'],
      ['an unknown keyUsage', () => ({ keyUsage: ['encipherOnly' as KeyUsageBit] }), 'INVALID_ARGUMENT'],
      ['an EKU that is not an OID', () => ({ extendedKeyUsage: ['clientAuth'] }), 'INVALID_ARGUMENT'],
      ['an issuer that is not a CA', () => ({ issuer: { ...ca, isCA: false } }), 'INVALID_ARGUMENT'],
      ['a key that does not match the issuer', () => ({ issuerKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }), 'INVALID_ARGUMENT'],
      ['a public key as issuer key', () => ({ issuerKey: caKeys.publicKey }), 'INVALID_ARGUMENT'],
      ['an EC issuer key', () => ({ issuerKey: ec.privateKey }), 'UNSUPPORTED_KEY'],
      ['an empty serial', () => ({ serial: Buffer.alloc(0) }), 'INVALID_ARGUMENT'],
      ['a negative serial', () => ({ serial: Buffer.from('80', 'hex') }), 'INVALID_ARGUMENT'],
      ['a zero serial', () => ({ serial: Buffer.from('00', 'hex') }), 'INVALID_ARGUMENT'],
      ['a non-minimal serial', () => ({ serial: Buffer.from('0001', 'hex') }), 'INVALID_ARGUMENT'],
      ['a 21-octet serial', () => ({ serial: Buffer.alloc(21, 1) }), 'INVALID_ARGUMENT'],
      ['notAfter before notBefore', () => ({ notBefore: now, notAfter: new Date(now.getTime() - 1000) }), 'INVALID_ARGUMENT'],
      ['an invalid date', () => ({ notAfter: new Date('nope') }), 'INVALID_ARGUMENT'],
      ['a year beyond 9999', () => ({ notAfter: new Date(Date.UTC(10000, 0, 1)) }), 'INVALID_ARGUMENT'],
      ['an unknown digest', () => ({ digest: 'sha1' as 'sha256' }), 'INVALID_ARGUMENT'],
      ['a subject that is not a Name', () => ({ subjectDer: Buffer.from('0c0161', 'hex') }), 'INVALID_ARGUMENT'],
      ['an SPKI that is not an SPKI', () => ({ subjectSpkiDer: Buffer.from('3000', 'hex') }), 'INVALID_ARGUMENT'],
      ['a SAN that is not GeneralNames', () => ({ subjectAltNameDer: Buffer.from('3003820100ff', 'hex') }), 'INVALID_ARGUMENT'],
      ['an empty subject without SAN', () => ({ subjectDer: Buffer.from('3000', 'hex'), subjectAltNameDer: undefined }), 'INVALID_ARGUMENT'],
      ['a CRL URL with spaces', () => ({ crlDistributionPoints: ['http://crl.example.com/a b.crl'] }), 'INVALID_ARGUMENT'],
      ['a relative CRL URL', () => ({ crlDistributionPoints: ['/ca.crl'] }), 'INVALID_ARGUMENT'],
    ])('rejects %s', (_label, overrides, code) => {
      expectPkiError(() => issueCertificate(leafRequest(overrides())), code);
    });

    it('rejects a self-signed CA request with an EC key or an empty subject', () => {
      const base = { notBefore: now, notAfter: new Date(now.getTime() + DAY), digest: 'sha256' as const, serial: randomSerial() };
      expectPkiError(() => buildSelfSignedCaCertificate({ ...base, subjectDer: encodeDistinguishedName('CN=x'), keyPair: ec }), 'UNSUPPORTED_KEY');
      expectPkiError(() => buildSelfSignedCaCertificate({ ...base, subjectDer: Buffer.from('3000', 'hex'), keyPair: caKeys }), 'INVALID_ARGUMENT');
      const mismatched: { privateKey: KeyObject; publicKey: KeyObject } = { privateKey: caKeys.privateKey, publicKey: ec.publicKey };
      expectPkiError(() => buildSelfSignedCaCertificate({ ...base, subjectDer: encodeDistinguishedName('CN=x'), keyPair: mismatched }), 'INVALID_ARGUMENT');
    });
  });
});

describe('randomSerial', () => {
  it('is 16 octets, positive, with a non-zero first octet, and does not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = randomSerial();
      expect(s.length).toBe(16);
      expect(s[0] & 0x80).toBe(0);
      expect(s[0]).not.toBe(0);
      seen.add(s.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });
});
