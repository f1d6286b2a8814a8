import { derWriter } from '@scep/pki';
import { ScepCodecError } from './errors';
import { buildCertsOnly, readCertsOnly } from './certs-only';
import { berify } from './test-support/ber';
import { fixture, fixtureCert, openssl, opensslAvailable, scratch, testPki } from './test-support/fixtures';

const { compareDer } = derWriter;

const pki = testPki();
const issued = fixtureCert('issued.crt.pem');

describe('certs-only SignedData', () => {
  it('reads the RA + CA bag written by openssl crl2pkcs7, in order', () => {
    const { certificates, crls } = readCertsOnly(fixture('openssl/ra-ca-bag.der'));
    expect(certificates).toEqual([pki.ra.der, pki.ca.der]);
    expect(crls).toEqual([]);
  });

  it('keeps the given order (never DER-sorted) and round-trips, BER too', () => {
    const orders = [
      [pki.ra.der, pki.ca.der],
      [pki.ca.der, pki.ra.der],
      [issued.der, pki.ca.der, pki.ra.der],
    ];
    expect(orders.some((o) => o.some((c, i) => !c.equals([...o].sort(compareDer)[i])))).toBe(true);
    for (const order of orders) {
      const der = buildCertsOnly(order);
      expect(readCertsOnly(der).certificates).toEqual(order);
      // Indefinite lengths everywhere but inside the certificates (which stay DER, as every encoder leaves them).
      const ber = berify(der, { keep: (node, path) => node.tag === 0xa0 && path.length === 3 });
      expect(ber[1]).toBe(0x80);
      expect(readCertsOnly(ber).certificates).toEqual(order);
    }
  });

  it('writes SignedData v1 with empty digestAlgorithms and signerInfos and no eContent', () => {
    const der = buildCertsOnly([pki.ra.der]);
    // 30 .. 06 09 <signedData> a0 .. 30 .. 02 01 01 31 00 30 0b 06 09 <data> a0 ...
    const hex = der.toString('hex');
    expect(hex).toContain('020101310030' + '0b06092a864886f70d010701' + 'a0');
    expect(hex.endsWith('3100')).toBe(true);
  });

  it('carries CRLs in [1]', () => {
    const fakeCrl = Buffer.from('3003020101', 'hex');
    const der = buildCertsOnly([], [fakeCrl]);
    expect(readCertsOnly(der)).toEqual({ certificates: [], crls: [fakeCrl] });
  });

  it('refuses certificates that are not one DER SEQUENCE, and unreadable bags', () => {
    expect(() => buildCertsOnly([Buffer.from('hello')])).toThrow(ScepCodecError);
    expect(() => buildCertsOnly([Buffer.concat([pki.ra.der, Buffer.from([0])])])).toThrow(ScepCodecError);
    for (const bad of [Buffer.alloc(0), Buffer.from('3000', 'hex'), fixture('openssl/envelope-aes128.der')]) {
      expect(() => readCertsOnly(bad)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
  });

  (opensslAvailable ? it : it.skip)('is read by openssl pkcs7 -print_certs in order', () => {
    const tmp = scratch();
    try {
      const file = tmp.write('bag.der', buildCertsOnly([pki.ra.der, pki.ca.der]));
      const out = openssl(['pkcs7', '-inform', 'DER', '-in', file, '-print_certs']).toString();
      const subjects = [...out.matchAll(/^subject=(.*)$/gm)].map((m) => m[1]);
      expect(subjects).toHaveLength(2);
      expect(subjects[0]).toContain('SCEP Test RA');
      expect(subjects[1]).toContain('SCEP Test Root CA');
    } finally {
      tmp.cleanup();
    }
  });
});
