/**
 * The bench's own database and Redis keys on the machine's PostgreSQL and Redis: named per run, found again from
 * the outside (SQL, SCAN) and removed at the end. Nothing else there is touched.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { withClient } from '../lifecycle';

export const benchDatabaseName = () => `scep_bench_${randomBytes(5).toString('hex')}`;

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops a database this run created (names are checked: only scep_bench_* is ever dropped). */
export async function dropRunDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^scep_bench_[a-z0-9]+$/.test(database)) throw new Error(`refusing to drop ${database}`);
  await withClient(databaseUrl(serverUrl, 'postgres'), async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });
}

/** The postmaster of the cluster serving `url`: the parent of the backend serving our connection (read while it lives). */
export async function postmasterPidOf(url: string, parentOf: (pid: number) => number | undefined): Promise<number> {
  return withClient(url, async (client) => {
    const backend = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    const postmaster = parentOf(backend);
    if (!postmaster) throw new Error(`cannot read the parent of PostgreSQL backend ${backend} in /proc (another user's process?)`);
    return postmaster;
  });
}

/** Deletes every key under `<prefix>:` (BullMQ's layout), in SCAN batches. */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  if (!prefix) return 0;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true, connectTimeout: 5_000 });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    // Bounded: SCAN terminates when the cursor returns to 0; the guard protects against a misbehaving server.
    for (let rounds = 0; rounds < 1_000_000; rounds++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
