/** A PostgreSQL connection for the length of one piece of work (connect bounded in time, always closed). */
import { Client } from 'pg';

export async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
