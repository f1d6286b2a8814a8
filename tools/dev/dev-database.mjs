// The dev database belongs to one set of dev secrets: keys in it are wrapped under that set's key-encryption keys.
// Another checkout (or a deleted .local/) brings other secrets, which cannot open those keys, so the database is
// labelled with a fingerprint of its secrets and started afresh when the label does not match.
import { createHash } from 'node:crypto';
import pg from 'pg';

const LABEL_PREFIX = 'scep-dev secrets ';

/** A one-way, short fingerprint of the secrets that wrap the keys (it reveals nothing about them). */
export function secretsFingerprint(secrets) {
  return createHash('sha256')
    .update(`${secrets.SIGNER_CA_KEK}|${secrets.RA_KEK}|${secrets.CHALLENGE_PEPPER}`)
    .digest('hex')
    .slice(0, 16);
}

function databaseName(url) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-zA-Z0-9_]{1,63}$/.test(name)) throw new Error('dev database name must be [a-zA-Z0-9_]{1,63}');
  return name;
}

async function withMaintenanceConnection(url, work) {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops the dev database if it exists with another label (or none). Returns what it did: 'absent', 'kept' or
 * 'dropped'.
 */
export function dropIfForeign(url, fingerprint) {
  const name = databaseName(url);
  return withMaintenanceConnection(url, async (client) => {
    const found = await client.query(`SELECT shobj_description(oid, 'pg_database') AS label FROM pg_database WHERE datname = $1`, [name]);
    if (found.rowCount === 0) return 'absent';
    if (found.rows[0].label === `${LABEL_PREFIX}${fingerprint}`) return 'kept';
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return 'dropped';
  });
}

/** Labels the (migrated) dev database with the fingerprint of the secrets its keys will be wrapped under. */
export function label(url, fingerprint) {
  const name = databaseName(url);
  return withMaintenanceConnection(url, (client) => client.query(`COMMENT ON DATABASE "${name}" IS '${LABEL_PREFIX}${fingerprint}'`));
}
