import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's own default (scram_iterations before PostgreSQL 16). */
const ITERATIONS = 4096;

/**
 * A role password as PostgreSQL stores it for SCRAM-SHA-256 authentication (RFC 5802 §3, RFC 7677), computed here so
 * that `ALTER ROLE … PASSWORD` carries the verifier and never the password: nothing readable reaches the server's
 * statement log or pg_stat_activity (what psql's \password and libpq's PQencryptPasswordConn do; node-postgres has
 * no equivalent). Format: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64.
 *
 * Printable ASCII only: then PostgreSQL's SASLprep of the password (RFC 4013) is the identity, client and server
 * hash the same bytes, and the value cannot be mangled by a shell or a connection URL unawares.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string {
  if (!/^[\x21-\x7e]{16,128}$/.test(password)) throw new Error('a role password must be 16 to 128 printable ASCII characters without spaces');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
