import { randomBytes } from 'node:crypto';

/**
 * PrintableString-safe alphabet without look-alikes (0/O, 1/l/I): Windows clients refuse challenges with some
 * symbols (scep-protocol.md §11), and people sometimes read these aloud. Same alphabet as tools/stack/secrets.cjs.
 */
export const CHALLENGE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** 24 symbols of a 56-symbol alphabet: 24 · log2(56) ≈ 139 bits, above the 128 bits scep-protocol.md §13 asks for. */
export const CHALLENGE_LENGTH = 24;

/** Largest multiple of the alphabet size below 256: bytes at or above it are redrawn (no modulo bias). */
const UNBIASED_LIMIT = 256 - (256 % CHALLENGE_ALPHABET.length);

/** A fresh one-time challenge, uniformly random over the alphabet. */
export function generateChallenge(length = CHALLENGE_LENGTH): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_LIMIT) out += CHALLENGE_ALPHABET[byte % CHALLENGE_ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}
