import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import { berBytes, berChildren, readBerStrict } from '@scep/pki';
import type { ContentCipher } from './constants';
import { openEnvelope, replyCipherFor, sealEnvelope } from './envelope';
import type { RecipientKey } from './envelope';
import { ScepCodecError } from './errors';
import { buildEnvelope } from './internal/envelope-writer';
import { decryptKeyPkcs1 } from './internal/key-transport';
import { fixture, openssl, opensslAvailable, scratch, testPki } from './test-support/fixtures';
import { FIXTURES } from './test-support/fixtures';

const pki = testPki();
const ra: RecipientKey = { certificate: pki.ra, privateKey: pki.raKey };

function codeOf(fn: () => unknown): { code: string; message: string; failInfo?: number; cause?: unknown } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScepCodecError);
    const err = e as ScepCodecError;
    return { code: err.code, message: err.message, failInfo: err.failInfo, cause: err.cause };
  }
  throw new Error('expected a ScepCodecError');
}

/** Replaces the encryptedKey of the first RecipientInfo with `encryptedKey` (same length). */
function withEncryptedKey(envelope: Buffer, encryptedKey: Buffer): Buffer {
  const node = readBerStrict(envelope);
  const envelopedData = berChildren(berChildren(node)[1])[0];
  const ktri = berChildren(berChildren(envelopedData)[1])[0];
  const keyNode = berChildren(ktri)[3];
  const copy = Buffer.from(envelope);
  expect(keyNode.contentEnd - keyNode.contentStart).toBe(encryptedKey.length);
  encryptedKey.copy(copy, keyNode.contentStart);
  return copy;
}

/** Swaps the first two RecipientInfos (same total length, so no length octets change). */
function swapFirstTwoRecipientInfos(envelope: Buffer): Buffer {
  const node = readBerStrict(envelope);
  const envelopedData = berChildren(berChildren(node)[1])[0];
  const [a, b] = berChildren(berChildren(envelopedData)[1]);
  const copy = Buffer.from(envelope);
  Buffer.concat([berBytes(b), berBytes(a)]).copy(copy, a.start);
  return copy;
}

describe('openEnvelope', () => {
  describe('openssl cms -encrypt vectors', () => {
    it.each<[string, ContentCipher]>([
      ['envelope-aes128.der', 'aes-128-cbc'],
      ['envelope-aes192.der', 'aes-192-cbc'],
      ['envelope-aes256.der', 'aes-256-cbc'],
      ['envelope-des3.der', 'des-ede3-cbc'],
      ['envelope-des.der', 'des-cbc'],
      ['envelope-aes256-ski.der', 'aes-256-cbc'],
      ['envelope-aes128-ca-and-ra.der', 'aes-128-cbc'],
      ['envelope-aes128-oaep.der', 'aes-128-cbc'],
      ['envelope-aes128-ber.der', 'aes-128-cbc'],
    ])('%s -> %s', (file, cipher) => {
      const opened = openEnvelope(fixture(`openssl/${file}`), [ra]);
      expect(opened.contentCipher).toBe(cipher);
      expect(opened.content).toEqual(pki.csr);
      expect(opened.recipient).toBe(ra);
    });

    it('selects our RecipientInfo when it is not first, with several recipient keys configured', () => {
      const ca: RecipientKey = { certificate: pki.ca, privateKey: pki.caKey };
      const file = fixture('openssl/envelope-aes128-ca-and-ra.der');
      const swapped = swapFirstTwoRecipientInfos(file); // now [CA, RA]
      expect(swapped).not.toEqual(file);
      for (const input of [file, swapped]) {
        expect(openEnvelope(input, [ra]).recipient).toBe(ra);
        expect(openEnvelope(input, [ca]).recipient).toBe(ca);
        expect(openEnvelope(input, [ra, ca]).content).toEqual(pki.csr);
      }
      // With both keys configured, the first RecipientInfo that is ours wins.
      expect(openEnvelope(swapped, [ra, ca]).recipient).toBe(ca);
      expect(openEnvelope(file, [ca, ra]).recipient).toBe(ra);
    });

    it('accepts a bare EnvelopedData (no ContentInfo)', () => {
      const contentInfo = readBerStrict(fixture('openssl/envelope-aes256.der'));
      const bare = Buffer.from(berBytes(berChildren(berChildren(contentInfo)[1])[0]));
      expect(openEnvelope(bare, [ra]).content).toEqual(pki.csr);
    });

    it('answers an unknown cipher (Camellia) with ALGORITHM / badAlg, not DECRYPT', () => {
      const err = codeOf(() => openEnvelope(fixture('openssl/envelope-camellia128.der'), [ra]));
      expect(err).toMatchObject({ code: 'ALGORITHM', failInfo: 0 });
    });

    it('applies allowedCiphers (single DES off -> ALGORITHM)', () => {
      const allowed: ContentCipher[] = ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'des-ede3-cbc'];
      expect(codeOf(() => openEnvelope(fixture('openssl/envelope-des.der'), [ra], { allowedCiphers: allowed })).code).toBe('ALGORITHM');
      expect(openEnvelope(fixture('openssl/envelope-des3.der'), [ra], { allowedCiphers: allowed }).contentCipher).toBe('des-ede3-cbc');
    });
  });

  describe('one DECRYPT error for every failure (no oracle)', () => {
    const valid = fixture('openssl/envelope-aes128.der');
    const k = 256;
    /** A raw RSA block to the RA key, padding chosen by the test. */
    const rawBlock = (em: Buffer) => publicEncrypt({ key: pki.ra.publicKey, padding: constants.RSA_NO_PADDING }, em);
    const pkcs1 = (message: Buffer, opts: { first?: number; second?: number; psLength?: number; separator?: number } = {}) => {
      const psLength = opts.psLength ?? k - 3 - message.length;
      const ps = Buffer.alloc(psLength, 0x5a);
      const em = Buffer.concat([Buffer.from([opts.first ?? 0, opts.second ?? 2]), ps, Buffer.from([opts.separator ?? 0]), message]);
      return rawBlock(Buffer.concat([em, Buffer.alloc(k - em.length, 0x11)]).subarray(0, k));
    };

    const cases: Array<[string, () => Buffer, RecipientKey[]]> = [
      ['wrong private key for the addressed certificate', () => valid, [{ certificate: pki.ra, privateKey: pki.otherKey }]],
      ['no RecipientInfo addressed to us', () => valid, [{ certificate: pki.client, privateKey: pki.clientKey }]],
      ['random encryptedKey', () => withEncryptedKey(valid, randomBytes(k)), [ra]],
      ['first octet not 0x00', () => withEncryptedKey(valid, pkcs1(randomBytes(16), { first: 1 })), [ra]],
      ['block type 01 (signature padding)', () => withEncryptedKey(valid, pkcs1(randomBytes(16), { second: 1 })), [ra]],
      ['CEK of the wrong length (24 for AES-128)', () => withEncryptedKey(valid, pkcs1(randomBytes(24))), [ra]],
      ['PS shorter than 8 octets', () => withEncryptedKey(valid, pkcs1(randomBytes(16), { psLength: 4 })), [ra]],
      ['no zero separator', () => withEncryptedKey(valid, rawBlock(Buffer.concat([Buffer.from([0, 2]), Buffer.alloc(k - 2, 0x33)]))), [ra]],
      // A fixed wrong key: CMS content has no MAC, so a well-formed wrong key is only caught by the CBC padding
      // check, which random garbage passes about once in 256 (the CSR parse refuses it later in the pipeline).
      ['a correctly padded but wrong CEK (content padding fails)', () => withEncryptedKey(valid, pkcs1(Buffer.alloc(16, 0x07))), [ra]],
      ['truncated ciphertext', () => valid.subarray(0, valid.length - 16), [ra]],
      ['not an envelope at all', () => Buffer.from('garbage'), [ra]],
      ['empty', () => Buffer.alloc(0), [ra]],
    ];

    it.each(cases)('%s', (_, make, recipients) => {
      const err = codeOf(() => openEnvelope(make(), recipients));
      expect(err).toEqual({ code: 'DECRYPT', message: 'cannot open the pkcsPKIEnvelope', failInfo: 2, cause: undefined });
    });

    it('a correctly padded CEK of the right length (our own block) does open: the unpadding is right', () => {
      const sealed = buildEnvelope(pki.csr, [pki.ra], 'aes-128-cbc');
      expect(openEnvelope(sealed, [ra]).content).toEqual(pki.csr);
    });

    it('refuses every malformed key block, even when the synthetic key happens to yield valid CBC padding (regression)', () => {
      // Before the verdict was carried to the end, about 1 in 256 of these returned garbage instead of DECRYPT.
      for (let i = 0; i < 600; i++) {
        const block = rawBlock(Buffer.concat([Buffer.from([0, 2]), randomBytes(k - 2).map((b) => b | 1)]));
        expect(codeOf(() => openEnvelope(withEncryptedKey(valid, block), [ra]))?.code).toBe('DECRYPT');
      }
    });

    it('implicit rejection: a synthetic key per ciphertext, the same one every time, never the real key', () => {
      const block = pkcs1(randomBytes(24)); // a well-formed block carrying a CEK of the wrong length for AES-128
      const first = decryptKeyPkcs1(pki.raKey, block, 16);
      const again = decryptKeyPkcs1(pki.raKey, block, 16);
      const other = decryptKeyPkcs1(pki.raKey, pkcs1(randomBytes(24)), 16);
      expect(first.valid).toBe(false);
      expect(first.key).toHaveLength(16);
      expect(again).toEqual(first);
      expect(other.valid).toBe(false);
      expect(other.key.equals(first.key)).toBe(false);
      // The same block asked for its true length opens: the synthetic key above was not the message.
      const cek = randomBytes(24);
      const opened = decryptKeyPkcs1(pki.raKey, pkcs1(cek), 24);
      expect(opened).toEqual({ key: cek, valid: true });
    });
  });
});

describe('sealEnvelope', () => {
  it.each<ContentCipher>(['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'des-ede3-cbc'])('round-trips with %s', (cipher) => {
    const content = randomBytes(333);
    const sealed = sealEnvelope(content, pki.client, cipher);
    const opened = openEnvelope(sealed, [{ certificate: pki.client, privateKey: pki.clientKey }]);
    expect(opened.content).toEqual(content);
    expect(opened.contentCipher).toBe(cipher);
  });

  it('writes EnvelopedData v0, one ktri v0 with issuerAndSerialNumber copied from the certificate, primitive [0] IMPLICIT content', () => {
    const sealed = sealEnvelope(Buffer.from('x'), pki.ra, 'aes-256-cbc');
    const [, wrapper] = berChildren(readBerStrict(sealed));
    const [version, recipientInfos, eci] = berChildren(berChildren(wrapper)[0]);
    expect(berBytes(version)).toEqual(Buffer.from('020100', 'hex'));
    const ktris = berChildren(recipientInfos);
    expect(ktris).toHaveLength(1);
    const [ktriVersion, rid, keyAlg] = berChildren(ktris[0]);
    expect(berBytes(ktriVersion)).toEqual(Buffer.from('020100', 'hex'));
    expect(berBytes(berChildren(rid)[0])).toEqual(pki.ra.issuerDer);
    expect(berBytes(berChildren(rid)[1])).toEqual(Buffer.concat([Buffer.from([0x02, pki.ra.serialNumber.length]), pki.ra.serialNumber]));
    expect(berBytes(keyAlg).toString('hex')).toBe('300d06092a864886f70d0101010500'); // rsaEncryption, NULL
    const encrypted = berChildren(eci)[2];
    expect(encrypted.tag).toBe(0x80);
  });

  it('never seals with single DES', () => {
    expect(codeOf(() => sealEnvelope(Buffer.from('x'), pki.ra, 'des-cbc')).code).toBe('ALGORITHM');
  });

  (opensslAvailable ? it : it.skip).each<ContentCipher>(['aes-128-cbc', 'aes-256-cbc', 'des-ede3-cbc'])(
    'openssl cms -decrypt opens our %s envelope',
    (cipher) => {
      const tmp = scratch();
      try {
        const sealed = sealEnvelope(pki.csr, pki.client, cipher);
        const inFile = tmp.write('env.der', sealed);
        const out = openssl(['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', inFile, '-recip', `${FIXTURES}/client.crt.pem`, '-inkey', `${FIXTURES}/client.key.pem`]);
        expect(out).toEqual(pki.csr);
      } finally {
        tmp.cleanup();
      }
    },
  );
});

describe('replyCipherFor', () => {
  it('mirrors AES and 3DES, answers single DES with 3DES', () => {
    expect(replyCipherFor('aes-128-cbc')).toBe('aes-128-cbc');
    expect(replyCipherFor('aes-192-cbc')).toBe('aes-192-cbc');
    expect(replyCipherFor('aes-256-cbc')).toBe('aes-256-cbc');
    expect(replyCipherFor('des-ede3-cbc')).toBe('des-ede3-cbc');
    expect(replyCipherFor('des-cbc')).toBe('des-ede3-cbc');
  });
});
