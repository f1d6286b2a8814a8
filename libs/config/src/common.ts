import { z } from 'zod';
import { secret } from './secret';

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
  /**
   * This service's NATS identity (docs/adr/009-least-privilege-between-services.md). Unset: no authentication, as on a
   * local development NATS. It also names the service's reply inboxes (`_INBOX_<user>`), the only ones the server
   * lets it subscribe to, hence the subject-safe characters.
   */
  NATS_USER: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" only (it names the service\'s reply inboxes)')
    .optional(),
  NATS_PASSWORD: secret(z.string().min(1).optional()),
};

/** NATS_USER and NATS_PASSWORD come together: a user without a password would be refused by the server anyway. */
export function natsCredentialsComplete(env: { NATS_USER?: string; NATS_PASSWORD?: string }, ctx: z.RefinementCtx): void {
  if (env.NATS_USER && !env.NATS_PASSWORD) ctx.addIssue({ code: 'custom', path: ['NATS_PASSWORD'], message: 'required with NATS_USER' });
  if (env.NATS_PASSWORD && !env.NATS_USER) ctx.addIssue({ code: 'custom', path: ['NATS_USER'], message: 'required with NATS_PASSWORD' });
}

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export const httpEnv = (defaultPort: number, prefix: string) => ({
  [`${prefix}_HOST`]: z.string().default('127.0.0.1'),
  [`${prefix}_PORT`]: port.default(defaultPort),
});

export { port };
