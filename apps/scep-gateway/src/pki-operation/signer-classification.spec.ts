import { generateKeyPairSync } from 'node:crypto';
import { buildSelfSignedCaCertificate, encodeDistinguishedName, issueCertificate, randomSerial, readCertificate } from '@scep/pki';
import type { CaGeneration } from '../endpoints/scep-endpoint';
import { classifySigner } from './signer-classification';

const day = 86400_000;
const ca = (cn: string) => {
  const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = readCertificate(
    buildSelfSignedCaCertificate({ subjectDer: encodeDistinguishedName(`CN=${cn}`), keyPair, notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 365 * day), digest: 'sha256', serial: randomSerial() }),
  );
  return { certificate, key: keyPair.privateKey };
};
const leaf = (issuer: ReturnType<typeof ca>, cn: string) => {
  const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return readCertificate(
    issueCertificate({
      issuer: issuer.certificate, issuerKey: issuer.key, subjectDer: encodeDistinguishedName(`CN=${cn}`),
      subjectSpkiDer: keyPair.publicKey.export({ type: 'spki', format: 'der' }), serial: randomSerial(),
      notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 30 * day), digest: 'sha256', keyUsage: ['digitalSignature'], extendedKeyUsage: [],
    }),
  );
};
const generation = (c: ReturnType<typeof ca>, id: string) => ({ caId: id, ca: c.certificate }) as unknown as CaGeneration;

describe('classifySigner', () => {
  const current = ca('Current CA');
  const previous = ca('Previous CA');
  const generations = [generation(current, 'current'), generation(previous, 'previous')];

  it('recognises certificates issued by any live generation, and which one', () => {
    expect(classifySigner(leaf(current, 'device'), generations)).toMatchObject({ kind: 'issued', generation: { caId: 'current' } });
    expect(classifySigner(leaf(previous, 'device'), generations)).toMatchObject({ kind: 'issued', generation: { caId: 'previous' } });
  });

  it('treats a self-signed signer as an initial enrollment and another CA\'s certificate as foreign', () => {
    expect(classifySigner(ca('Device').certificate, generations)).toEqual({ kind: 'self-signed' });
    expect(classifySigner(leaf(ca('Other CA'), 'device'), generations)).toEqual({ kind: 'foreign' });
  });

  it('is not fooled by an impostor CA with the same name', () => {
    const impostor = ca('Current CA');
    expect(classifySigner(leaf(impostor, 'device'), generations)).toEqual({ kind: 'foreign' });
  });
});
