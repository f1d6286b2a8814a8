import { derToPem } from '@scep/pki';
import { buildNextCaCertResponse } from './next-ca-cert';
import { readCertsOnly } from './certs-only';
import { fixtureCert, fixtureKey, openssl, scratch } from './test-support/fixtures';

describe('buildNextCaCertResponse', () => {
  const ra = fixtureCert('ra.crt.pem');
  const raKey = fixtureKey('ra.key.pem');
  const ca = fixtureCert('ca.crt.pem');
  const next = [fixtureCert('client.crt.pem').der, ca.der];

  it('is signed by the current RA and verifies with openssl; the new certificates are inside and outside', () => {
    const der = buildNextCaCertResponse({ certificates: next, signer: { certificate: ra, privateKey: raKey } });
    const dir = scratch();
    try {
      const msg = dir.write('next.der', der);
      const signerPem = dir.write('ra.pem', derToPem(ra.der, 'CERTIFICATE'));
      // -noverify: the signer's chain is not under test; the signature and the content are.
      const content = openssl(['cms', '-verify', '-inform', 'DER', '-in', msg, '-certfile', signerPem, '-noverify', '-binary']);
      expect(readCertsOnly(content).certificates).toEqual(next);
    } finally {
      dir.cleanup();
    }
    // jscep reads the outer certificates field.
    expect(readCertsOnly(der).certificates).toEqual(next);
  });
});
