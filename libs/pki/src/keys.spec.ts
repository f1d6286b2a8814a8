import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { expectPkiError, openssl, opensslBinary, pemToDerForTest, readCsrFixture, Scratch } from './__fixtures__/test-helpers';
import {
  describePublicKey,
  exportPrivateKeyPkcs8,
  exportPublicKeySpki,
  generateRsaKeyPair,
  importPrivateKeyPkcs8,
  spkiFingerprint,
  type RsaKeySize,
} from './keys';

const scratch = new Scratch();
afterAll(() => scratch.cleanup());

describe('generateRsaKeyPair', () => {
  it('makes a 2048-bit key with e = 65537 that openssl accepts', async () => {
    const { privateKey, publicKey } = await generateRsaKeyPair(2048);
    expect(privateKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
    expect(publicKey.type).toBe('public');
    const path = scratch.write('gen.der', exportPrivateKeyPkcs8(privateKey));
    const r = openssl(['pkey', '-inform', 'DER', '-in', path, '-check', '-noout']);
    expect(`${r.stdout}${r.stderr}`).toContain('Key is valid');
  });

  it('rejects sizes outside 2048/3072/4096 with INVALID_ARGUMENT', async () => {
    await expect(generateRsaKeyPair(1024 as RsaKeySize)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('spkiFingerprint', () => {
  it('is the lower-case hex SHA-256 of the SPKI DER, as `openssl dgst -sha256` computes it', () => {
    const csrPath = scratch.write('fp.csr.der', readCsrFixture('rsa2048-printable'));
    const spkiDer = pemToDerForTest(openssl(['req', '-inform', 'DER', '-in', csrPath, '-noout', '-pubkey']).stdout);
    const expected = opensslBinary(['dgst', '-sha256', '-binary'], spkiDer).toString('hex');
    expect(spkiFingerprint(spkiDer)).toBe(expected);
    expect(spkiFingerprint(spkiDer)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('PKCS#8 export/import', () => {
  it('round-trips and reads what openssl writes', () => {
    const keyPem = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']).stdout;
    const keyPath = scratch.write('ossl.pem', keyPem);
    const der = opensslBinary(['pkcs8', '-topk8', '-nocrypt', '-in', keyPath, '-outform', 'DER']);
    const key = importPrivateKeyPkcs8(der);
    expect(key.type).toBe('private');
    expect(exportPrivateKeyPkcs8(key).equals(der)).toBe(true);
    const spki = opensslBinary(['pkey', '-in', keyPath, '-pubout', '-outform', 'DER']);
    expect(exportPublicKeySpki(key).equals(spki)).toBe(true);
    expect(exportPublicKeySpki(createPublicKey(key)).equals(spki)).toBe(true);
  });

  it('accepts only PKCS#8 (not the PKCS#1 RSAPrivateKey that `openssl pkey -outform DER` writes)', () => {
    const keyPath = scratch.write('ossl2.pem', openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']).stdout);
    const pkcs1 = opensslBinary(['pkey', '-in', keyPath, '-outform', 'DER']);
    expect(() => importPrivateKeyPkcs8(pkcs1)).toThrow(expect.objectContaining({ code: 'MALFORMED_DER' }));
  });

  it('reports garbage as MALFORMED_DER without echoing any input', () => {
    const secretish = Buffer.from('3082025c020100028181' + 'deadbeefcafebabe'.repeat(8), 'hex');
    expect(expectPkiError(() => importPrivateKeyPkcs8(secretish), 'MALFORMED_DER').message).not.toMatch(/dead|beef|cafe/i);
  });

  it('refuses to export a public key as PKCS#8', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => exportPrivateKeyPkcs8(publicKey)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('describePublicKey', () => {
  it.each([
    [generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey, 'rsa', 3072],
    [generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey, 'other', 2048],
    [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'ec', 256],
    [generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey, 'ec', 521],
    [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, 'ec', 256],
    [generateKeyPairSync('ed25519').publicKey, 'other', 256],
  ])('classifies %#', (key, keyAlgorithm, keySize) => {
    expect(describePublicKey(key)).toEqual({ keyAlgorithm, keySize });
  });
});
