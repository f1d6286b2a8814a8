// The dev database belongs to one set of dev secrets: keys in it are wrapped under that set's key-encryption keys.
// Another checkout (or a deleted .local/) brings other secrets, which cannot open those keys, so the database is
// labelled with a fingerprint of its secrets and started afresh when the label does not match.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

/** A one-way, short fingerprint of the secrets that wrap the keys (it reveals nothing about them). */
function secretsLabel(secrets) {
  const fingerprint = createHash('sha256').update(`${secrets.SIGNER_CA_KEK}|${secrets.RA_KEK}|${secrets.CHALLENGE_PEPPER}`).digest('hex');
  return `scep-dev secrets ${fingerprint.slice(0, 16)}`;
}

/** The built database helpers (npm start builds first). */
function databaseAdmin(root) {
  return createRequire(import.meta.url)(path.join(root, 'dist/libs/persistence/migrations/src/database-admin.js'));
}

/** Drops the dev database if it exists under another label (or none); true when it did. */
export async function dropIfForeign(root, url, secrets) {
  const admin = databaseAdmin(root);
  const comment = await admin.databaseComment(url);
  if (comment === undefined || comment === secretsLabel(secrets)) return false;
  await admin.dropDatabase(url);
  return true;
}

/** Labels the (migrated) dev database with the fingerprint of the secrets its keys are wrapped under. */
export function label(root, url, secrets) {
  return databaseAdmin(root).commentOnDatabase(url, secretsLabel(secrets));
}
