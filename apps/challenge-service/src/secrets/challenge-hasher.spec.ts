import { createHmac } from 'node:crypto';
import { ChallengeHasher } from './challenge-hasher';

describe('ChallengeHasher', () => {
  const hasher = new ChallengeHasher(Buffer.alloc(32, 1));
  const t = '00000000-0000-4000-8000-00000000000a';
  const p = '00000000-0000-4000-8000-00000000000b';

  it('matches the right challenge only', () => {
    const stored = [hasher.hash(t, p, 'correct horse')];
    expect(hasher.matches(t, p, 'correct horse', stored)).toBe(true);
    expect(hasher.matches(t, p, 'correct horsE', stored)).toBe(false);
    expect(hasher.matches(t, p, '', stored)).toBe(false);
  });

  it('binds the hash to tenant and profile', () => {
    const other = '00000000-0000-4000-8000-00000000000c';
    expect(hasher.hash(t, p, 'x')).not.toEqual(hasher.hash(other, p, 'x'));
    expect(hasher.matches(other, p, 'x', [hasher.hash(t, p, 'x')])).toBe(false);
  });

  it('depends on the pepper', () => {
    expect(new ChallengeHasher(Buffer.alloc(32, 2)).hash(t, p, 'x')).not.toEqual(hasher.hash(t, p, 'x'));
  });

  it('accepts any of several current hashes (rotation overlap)', () => {
    expect(hasher.matches(t, p, 'b', [hasher.hash(t, p, 'a'), hasher.hash(t, p, 'b')])).toBe(true);
  });
});

describe('ChallengeHasher domains', () => {
  const pepper = Buffer.alloc(32, 1);
  const t = '00000000-0000-4000-8000-00000000000a';
  const p = '00000000-0000-4000-8000-00000000000b';

  it('keeps the static hash format (stored hashes stay valid) and separates the dynamic domain', () => {
    const legacy = new ChallengeHasher(pepper);
    expect(legacy.hash(t, p, 'x').toString('hex')).toBe(
      createHmac('sha256', pepper).update(`${t}\n${p}\nx`).digest('hex'),
    );
    expect(new ChallengeHasher(pepper, 'dynamic').hash(t, p, 'x')).not.toEqual(legacy.hash(t, p, 'x'));
  });
});
