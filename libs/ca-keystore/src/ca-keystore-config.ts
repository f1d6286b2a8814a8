import { z } from 'zod';
import { loadConfig, secretKey32 } from '@scep/config';

/** Only the signer is configured with these. */
export const caKeystoreEnv = z.object({
  /** 32 random bytes (base64 or hex) wrapping every CA private key at rest. */
  SIGNER_CA_KEK: secretKey32(),
  SIGNER_CA_KEK_ID: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/).default('ca-kek-1'),
});
export type CaKeystoreConfig = z.infer<typeof caKeystoreEnv>;

export const loadCaKeystoreConfig = () => loadConfig(caKeystoreEnv);
