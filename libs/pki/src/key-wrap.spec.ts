import { randomBytes, webcrypto } from 'node:crypto';
import { expectPkiError } from './__fixtures__/test-helpers';
import { unwrapSecret, wrapSecret } from './key-wrap';

const kek = randomBytes(32);
const plaintext = Buffer.from('3082010a0282010100' + 'c0ffee'.repeat(40), 'hex');
const aad = 'issuance.ca_key:4f1c2d3e-tenant-a';

function expectUnwrapFailure(fn: () => unknown, secrets: Buffer[]): void {
  const e = expectPkiError(fn, 'KEY_UNWRAP_FAILED');
  expect(e.message).toBe('key unwrap failed');
  for (const s of secrets) {
    expect(e.message).not.toContain(s.toString('hex'));
    expect(e.message).not.toContain(s.toString('base64'));
  }
  expect(JSON.stringify(e)).not.toContain(kek.toString('hex'));
}

describe('wrapSecret / unwrapSecret', () => {
  it('round-trips', () => {
    const blob = wrapSecret(kek, plaintext, aad);
    expect(unwrapSecret(kek, blob, aad).equals(plaintext)).toBe(true);
    expect(unwrapSecret(kek, wrapSecret(kek, Buffer.alloc(0), aad), aad).length).toBe(0);
  });

  it('writes version 0x01 | iv(12) | tag(16) | ciphertext, decryptable by WebCrypto AES-GCM', async () => {
    const blob = wrapSecret(kek, plaintext, aad);
    expect(blob.length).toBe(1 + 12 + 16 + plaintext.length);
    expect(blob[0]).toBe(0x01);
    const iv = blob.subarray(1, 13);
    const tag = blob.subarray(13, 29);
    const ciphertext = blob.subarray(29);
    const key = await webcrypto.subtle.importKey('raw', kek, 'AES-GCM', false, ['decrypt']);
    const opened = await webcrypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: Buffer.from(aad, 'utf8'), tagLength: 128 },
      key,
      Buffer.concat([ciphertext, tag]),
    );
    expect(Buffer.from(opened).equals(plaintext)).toBe(true);
  });

  it('uses a fresh random IV for every wrap', () => {
    const ivs = new Set(Array.from({ length: 50 }, () => wrapSecret(kek, plaintext, aad).subarray(1, 13).toString('hex')));
    expect(ivs.size).toBe(50);
  });

  it('fails with KEY_UNWRAP_FAILED (and a message that reveals nothing) on a wrong KEK', () => {
    const blob = wrapSecret(kek, plaintext, aad);
    const other = randomBytes(32);
    expectUnwrapFailure(() => unwrapSecret(other, blob, aad), [kek, other, plaintext]);
  });

  it('fails on a wrong AAD (the blob is bound to its row)', () => {
    const blob = wrapSecret(kek, plaintext, aad);
    expectUnwrapFailure(() => unwrapSecret(kek, blob, aad + 'x'), [kek, plaintext]);
    expectUnwrapFailure(() => unwrapSecret(kek, blob, ''), [kek, plaintext]);
  });

  it('fails on any flipped byte: version, IV, tag or ciphertext', () => {
    const blob = wrapSecret(kek, plaintext, aad);
    for (const at of [0, 1, 12, 13, 28, 29, blob.length - 1]) {
      const tampered = Buffer.from(blob);
      tampered[at] ^= 0x01;
      expectUnwrapFailure(() => unwrapSecret(kek, tampered, aad), [kek, plaintext]);
    }
  });

  it('fails on truncated or empty blobs', () => {
    const blob = wrapSecret(kek, plaintext, aad);
    for (const n of [0, 1, 13, 28, 29, blob.length - 1]) {
      expectUnwrapFailure(() => unwrapSecret(kek, blob.subarray(0, n), aad), [kek, plaintext]);
    }
  });

  it('rejects a KEK that is not 32 bytes with INVALID_ARGUMENT', () => {
    for (const size of [0, 16, 31, 33]) {
      expect(() => wrapSecret(randomBytes(size), plaintext, aad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => unwrapSecret(randomBytes(size), Buffer.alloc(40), aad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
