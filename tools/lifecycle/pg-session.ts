/** A PostgreSQL connection for the length of one piece of work (connect bounded in time, always closed). */
import { Client } from 'pg';

export async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A connection dropped by the server (restart, clean-up) fails the pending query; unhandled, the same error
  // emitted on the client would end the process before its clean-up ran.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
