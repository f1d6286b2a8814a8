import { randomBytes } from 'node:crypto';
import { unwrapSecret, wrapSecret } from '@scep/pki';
import { ChallengeSecretBox, SecretAad } from './secret-box';

describe('ChallengeSecretBox key derivation', () => {
  const pepper = randomBytes(32);
  const key = ChallengeSecretBox.deriveKey(pepper);
  const t = '00000000-0000-4000-8000-00000000000a';
  const p = '00000000-0000-4000-8000-00000000000b';

  it('derives a 32-byte key that is not the pepper and depends on it', () => {
    expect(key).toHaveLength(32);
    expect(key.equals(pepper)).toBe(false);
    expect(ChallengeSecretBox.deriveKey(randomBytes(32)).equals(key)).toBe(false);
  });

  it('binds a wrapped secret to its tenant, profile and purpose', () => {
    const blob = wrapSecret(key, Buffer.from('s3cret-webhook-key'), SecretAad.webhookSecret(t, p));
    expect(blob.toString('latin1')).not.toContain('s3cret');
    expect(unwrapSecret(key, blob, SecretAad.webhookSecret(t, p)).toString()).toBe('s3cret-webhook-key');
    expect(() => unwrapSecret(key, blob, SecretAad.webhookSecret(t, t))).toThrow('key unwrap failed');
    expect(() => unwrapSecret(key, blob, SecretAad.intuneClientSecret(t))).toThrow('key unwrap failed');
  });
});
