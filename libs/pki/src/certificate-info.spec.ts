import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { berBytes, berChildren, readBerStrict } from './ber-walk';
import { readCertificate, serialToHex } from './certificate-info';
import { pemToDer } from './der';
import { PkiError } from './errors';

const FIXTURES = resolve(__dirname, '../../../test/fixtures/scep');
const pem = (name: string) => pemToDer(readFileSync(join(FIXTURES, name), 'utf8'), 'CERTIFICATE');

/** The signer certificate micromdm's scepclient put in its PKCSReq (SignedData.certificates[0]). */
function scepclientSigner(): Buffer {
  const message = readFileSync(join(FIXTURES, 'scepclient-2.1.0/pkcsreq-rsa2048-post.der'));
  const [, content] = berChildren(readBerStrict(message));
  const signedData = berChildren(content)[0];
  const certs = berChildren(signedData).find((n) => n.tag === 0xa0)!;
  return Buffer.from(berBytes(berChildren(certs)[0]));
}

describe('readCertificate', () => {
  it.each(['ca.crt.pem', 'ra.crt.pem', 'client.crt.pem', 'windows-signer.crt.pem', 'apple-signer.crt.pem'])(
    'agrees with OpenSSL (X509Certificate) on %s',
    (name) => {
      const der = pem(name);
      const info = readCertificate(der);
      const x509 = new X509Certificate(der);
      expect(info.der).toEqual(der);
      expect(info.serialHex).toBe(x509.serialNumber.toUpperCase().replace(/^(00)+(?=.)/, ''));
      expect(info.notBefore.getTime()).toBe(new Date(x509.validFrom).getTime());
      expect(info.notAfter.getTime()).toBe(new Date(x509.validTo).getTime());
      expect(info.isCA).toBe(x509.ca);
      expect(info.publicKey.equals(x509.publicKey)).toBe(true);
      expect(info.spkiDer).toEqual(x509.publicKey.export({ type: 'spki', format: 'der' }));
      expect(info.selfIssued).toBe(x509.subject === x509.issuer);
      // Display strings: one RFC 4514 line, most specific RDN first.
      expect(info.subject).toBe(x509.subject.split('\n').reverse().join(','));
      expect(info.issuer).toBe(x509.issuer.split('\n').reverse().join(','));
    },
  );

  it('keeps the lazily formatted fields when the object is spread or compared', () => {
    const info = readCertificate(pem('ra.crt.pem'));
    const copy = { ...info };
    expect(copy.subject).toBe('CN=SCEP Test RA,O=SCEP Test,C=US');
    expect(copy.publicKeySha1).toEqual(info.publicKeySha1);
    expect(readCertificate(pem('ra.crt.pem'))).toEqual(info);
  });

  it('keeps the serial octets as encoded, leading 0x00 included', () => {
    const ra = readCertificate(pem('ra.crt.pem'));
    expect(ra.serialNumber.toString('hex')).toBe('008a5c3e0011223344');
    expect(ra.serialHex).toBe('8A5C3E0011223344');
    const apple = readCertificate(pem('apple-signer.crt.pem'));
    expect(apple.serialNumber[0]).toBe(0);
    expect(apple.serialNumber).toHaveLength(17);
  });

  it('copies issuer and subject Names byte for byte', () => {
    const ra = readCertificate(pem('ra.crt.pem'));
    const ca = readCertificate(pem('ca.crt.pem'));
    expect(ra.issuerDer).toEqual(ca.subjectDer);
    expect(ca.selfIssued).toBe(true);
    expect(ra.selfIssued).toBe(false);
  });

  it('reads the SubjectKeyIdentifier extension and the SHA-1 key id', () => {
    const ra = readCertificate(pem('ra.crt.pem'));
    expect(ra.subjectKeyIdentifier).toHaveLength(20);
    // openssl's subjectKeyIdentifier=hash is method (1) of RFC 5280 §4.2.1.2: both ids agree.
    expect(ra.publicKeySha1).toEqual(ra.subjectKeyIdentifier);
    const client = readCertificate(pem('client.crt.pem'));
    expect(client.publicKeySha1).toHaveLength(20);
  });

  it('reads a Windows-style signer with a critical AuthorityKeyIdentifier', () => {
    const win = readCertificate(pem('windows-signer.crt.pem'));
    expect(win.subject).toBe('CN=WIN-DEVICE-42');
    expect(win.selfIssued).toBe(true);
  });

  it("reads micromdm scepclient's self-signed signer", () => {
    const info = readCertificate(scepclientSigner());
    expect(info.subject).toBe('CN=SCEP SIGNER,O=scep-client');
    expect(info.publicKey.asymmetricKeyType).toBe('rsa');
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(3600_000);
  });

  it('imports non-RSA keys through the SPKI path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pki-cert-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'),
        '-out', join(dir, 'c.pem'), '-subj', '/CN=ec', '-days', '1'], { stdio: 'ignore', env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
      const der = pemToDer(readFileSync(join(dir, 'c.pem'), 'utf8'));
      const info = readCertificate(der);
      expect(info.publicKey.asymmetricKeyType).toBe('ec');
      expect(info.publicKey.equals(new X509Certificate(der).publicKey)).toBe(true);
      expect(info.publicKeyAlgorithmOid).toBe('1.2.840.10045.2.1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports RSA keys from the PKCS#1 RSAPublicKey only when the parameters are NULL, else as OpenSSL does', () => {
    const der = pem('client.crt.pem');
    const rsaNull = Buffer.from('300d06092a864886f70d0101010500', 'hex');
    const at = der.indexOf(rsaNull); // the SPKI's AlgorithmIdentifier (the signature's is sha256WithRSAEncryption)
    expect(at).toBeGreaterThan(0);
    expect(der.lastIndexOf(rsaNull)).toBe(at);
    expect(readCertificate(der).publicKey.export({ type: 'spki', format: 'der' })).toEqual(new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }));
    // Same length, parameters an empty INTEGER: OpenSSL's SPKI decoder refuses it, and so does readCertificate.
    const bad = Buffer.from(der);
    bad[at + rsaNull.length - 2] = 0x02;
    expect(readBerStrict(bad).end).toBe(bad.length);
    expect(() => new X509Certificate(bad)).toThrow();
    expect(() => readCertificate(bad)).toThrow(PkiError);
  });

  it('throws PkiError MALFORMED_CERTIFICATE on garbage, truncation and trailing bytes', () => {
    const der = pem('ra.crt.pem');
    for (const bad of [Buffer.alloc(0), Buffer.from('3000', 'hex'), der.subarray(0, der.length - 1), Buffer.concat([der, Buffer.from([0])]), Buffer.from('hello')]) {
      expect(() => readCertificate(bad)).toThrow(PkiError);
      try {
        readCertificate(bad);
      } catch (e) {
        expect((e as PkiError).code).toBe('MALFORMED_CERTIFICATE');
      }
    }
  });

  it('formats serials as positive upper-case hex', () => {
    expect(serialToHex(Buffer.from('00ff01', 'hex'))).toBe('FF01');
    expect(serialToHex(Buffer.from('00', 'hex'))).toBe('00');
    expect(serialToHex(Buffer.from('0a', 'hex'))).toBe('0A');
  });
});
