import { z } from 'zod';

/** Binary values travel as standard base64 strings (JSON-safe). */
export const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'standard base64');
export const uuid = z.string().uuid();
/** Lower-case hex SHA-256. */
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
/** RFC 8894 failInfo names (values of FailInfo in the codec). */
export const failInfoName = z.enum(['badAlg', 'badMessageCheck', 'badRequest', 'badTime', 'badCertId']);
export type FailInfoName = z.infer<typeof failInfoName>;
/** Content cipher of the request envelope (mirrored in replies). */
export const contentCipherName = z.enum(['des-cbc', 'des-ede3-cbc', 'aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc']);
export const rsaKeySize = z.union([z.literal(2048), z.literal(3072), z.literal(4096)]);
export type RsaKeySizeValue = z.infer<typeof rsaKeySize>;
