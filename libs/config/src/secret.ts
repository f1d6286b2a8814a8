import { z } from 'zod';

/**
 * Fields registered here hold secrets (KEKs, peppers, API keys): `redactConfig` masks them and
 * ConfigError never echoes any value. Register with `secret(schema)`.
 */
export const secretFields = z.registry<{ secret: true }>();

export function secret<T extends z.ZodType>(schema: T): T {
  secretFields.add(schema, { secret: true });
  return schema;
}

/** A 32-byte key given as base64 (44 chars) or hex (64 chars). */
export function secretKey32() {
  return secret(
    z
      .string()
      .transform((value, ctx) => {
        const trimmed = value.trim();
        const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
        if (bytes.length !== 32) {
          ctx.addIssue({ code: 'custom', message: 'must be 32 random bytes, base64 or hex encoded' });
          return z.NEVER;
        }
        return bytes;
      }),
  );
}
