import bcrypt from 'bcryptjs';

/**
 * The bcrypt hash nats-server compares a NATS password with, for its configuration or its environment. Always the
 * `$2a$` variant: nats-server 2.9's configuration lexer reads an unquoted `$2a$…` value (from a referenced environment
 * variable) as a string, but `$2b$…` (bcryptjs's default) as a reference to a variable named `2b…`, and refuses to
 * start. Both variants hash identically for passwords shorter than 72 bytes (all the platform uses).
 *
 * Kept out of the package index: only the configuration tool and tests load bcrypt, never a service.
 */
export function natsPasswordHash(password: string, cost = 11): string {
  if (Buffer.byteLength(password) >= 72) throw new Error('NATS passwords must be shorter than 72 bytes (bcrypt reads no further)');
  return bcrypt.hashSync(password, bcrypt.genSaltSync(cost).replace(/^\$2b\$/, '$2a$'));
}
