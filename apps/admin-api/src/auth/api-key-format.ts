import { createHash, randomBytes } from 'node:crypto';

/** API keys look like `scep_<16 hex id>_<43 chars base64url secret>`; only SHA-256(secret) is stored. */
export interface ParsedApiKey {
  readonly keyId: string;
  readonly secret: string;
}

const FORMAT = /^scep_([0-9a-f]{16})_([A-Za-z0-9_-]{32,128})$/;

export function parseApiKey(value: string): ParsedApiKey | undefined {
  const match = FORMAT.exec(value);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : undefined;
}

export function hashApiKeySecret(secret: string): Buffer {
  // A 256-bit random secret needs no slow hash; the id lookup keeps comparison to one row.
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function generateApiKey(): { key: string; keyId: string; secretHash: Buffer } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `scep_${keyId}_${secret}`, keyId, secretHash: hashApiKeySecret(secret) };
}
