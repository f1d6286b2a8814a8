import { z } from 'zod';

// Env fragments shared by the services. Defaults are the local development stack (README quick start).

const port = z.coerce.number().int().min(0).max(65535);

export const databaseEnv = {
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/scep'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** A connection not made within this is an error (503 at the edges), not a request that hangs. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** A query not answered within this fails (a frozen or partitioned server), on the client side. */
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
};

export const redisEnv = {
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
  /** Namespace for BullMQ queues and our own Redis keys; one per deployment (and per test run). */
  REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/).default('scep'),
};

export const rpcEnv = {
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Subject prefix of every RPC pattern; one per deployment (and per test run). */
  RPC_NAMESPACE: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/).default('scep'),
  RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
  /** How long a stopping RPC server keeps its connection for in-flight handlers after unsubscribing. */
  RPC_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(60000).default(2000),
};

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export const httpEnv = (defaultPort: number, prefix: string) => ({
  [`${prefix}_HOST`]: z.string().default('127.0.0.1'),
  [`${prefix}_PORT`]: port.default(defaultPort),
});

export { port };
