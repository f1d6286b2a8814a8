import { Client } from 'pg';

/** The database named in `url`, checked to be a plain identifier (it is interpolated into DDL). */
function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-zA-Z0-9_]{1,63}$/.test(name)) throw new Error('database name must be [a-zA-Z0-9_]{1,63}');
  return name;
}

/** Runs `work` on a connection to the cluster's `postgres` database (DDL on databases cannot run inside them). */
async function withMaintenanceConnection<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` if it does not exist (local development and test runs). */
export function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withMaintenanceConnection(url, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return false;
    await client.query(`CREATE DATABASE "${name}"`);
    return true;
  });
}

/** Drops a database (test runs clean up after themselves). */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceConnection(url, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** The database's comment: `undefined` when the database does not exist, `null` when it has none. */
export function databaseComment(url: string): Promise<string | null | undefined> {
  const name = databaseName(url);
  return withMaintenanceConnection(url, async (client) => {
    const found = await client.query<{ comment: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [name]);
    return found.rowCount ? found.rows[0].comment : undefined;
  });
}

/** Sets the database's comment (local development labels its database with it). */
export async function commentOnDatabase(url: string, comment: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceConnection(url, (client) => client.query(`COMMENT ON DATABASE "${name}" IS ${client.escapeLiteral(comment)}`));
}
