import { CHALLENGE_ALPHABET, CHALLENGE_LENGTH, generateChallenge } from './challenge-generator';

describe('generateChallenge', () => {
  it('has at least 128 bits of entropy', () => {
    expect(CHALLENGE_LENGTH * Math.log2(CHALLENGE_ALPHABET.length)).toBeGreaterThanOrEqual(128);
    expect(new Set(CHALLENGE_ALPHABET).size).toBe(CHALLENGE_ALPHABET.length);
  });

  it('uses only PrintableString characters without look-alikes', () => {
    // X.680 PrintableString: A-Z a-z 0-9 space ' ( ) + , - . / : = ?  — we use letters and digits only.
    expect(CHALLENGE_ALPHABET).toMatch(/^[A-Za-z0-9]+$/);
    for (const lookAlike of ['0', 'O', '1', 'l', 'I']) expect(CHALLENGE_ALPHABET).not.toContain(lookAlike);
    for (let i = 0; i < 200; i++) {
      const challenge = generateChallenge();
      expect(challenge).toHaveLength(CHALLENGE_LENGTH);
      for (const c of challenge) expect(CHALLENGE_ALPHABET).toContain(c);
    }
  });

  it('spreads over the whole alphabet and does not repeat', () => {
    const seen = new Set<string>();
    const values = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const challenge = generateChallenge();
      values.add(challenge);
      for (const c of challenge) seen.add(c);
    }
    expect(values.size).toBe(500);
    expect(seen.size).toBe(CHALLENGE_ALPHABET.length);
  });
});
