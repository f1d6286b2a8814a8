import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { dropDatabase, ensureDatabase, runMigrations } from '@scep/persistence-migrations';

/** Loopback defaults of this machine; override with TEST_DATABASE_ADMIN_URL / TEST_REDIS_URL / TEST_NATS_URL. */
export const TEST_POSTGRES = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A name unique to this test run: databases, Redis prefixes and RPC namespaces never collide between runs. */
export function runScopedName(kind: string): string {
  return `${kind}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh database with the full migration history applied. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = new URL(TEST_POSTGRES);
  url.pathname = `/${runScopedName('scep_test')}`;
  await ensureDatabase(url.toString());
  await runMigrations(url.toString());
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}

/** Deletes every Redis key under a prefix (BullMQ keys are `<prefix>:<queue>:...`). */
export async function deleteRedisPrefix(prefix: string, redisUrl = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The approval key as the policy service and the signer are given it (the same value). */
export function approvalKeyEnv(secret: string): Record<string, string> {
  return { POLICY_APPROVAL_KEY: secret, SIGNER_APPROVAL_KEY: secret };
}

/** The environment of one isolated deployment (database, Redis prefix, RPC namespace, fresh secrets). */
export function isolatedEnv(databaseUrl: string, prefix: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    NATS_URL: TEST_NATS_URL,
    RPC_NAMESPACE: prefix,
    SIGNER_CA_KEK: randomBytes(32).toString('base64'),
    ...approvalKeyEnv(randomBytes(32).toString('base64')),
    CHALLENGE_PEPPER: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
}
