import { z } from 'zod';
import { loadConfig, logEnv, secretKey32 } from '@scep/config';

export const signerEnv = z.object({
  ...logEnv,
  /** 32 random bytes wrapping RA private keys; the gateway is given the same key to unwrap them. */
  SIGNER_RA_KEK: secretKey32(),
  SIGNER_RA_KEK_ID: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/).default('ra-kek-1'),
  /** Concurrent signing jobs per process (signing is CPU-bound: about the number of cores). */
  SIGNER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
});
export type SignerConfig = z.infer<typeof signerEnv>;

let cached: SignerConfig | undefined;
export const signerConfig = (): SignerConfig => (cached ??= loadConfig(signerEnv));
