// Imported first by the transport integration specs: per-run namespaces before any module reads configuration.
import { randomBytes } from 'node:crypto';
import { TEST_NATS_URL, TEST_REDIS_URL } from '@scep/testing';

const run = `t${process.pid}${randomBytes(3).toString('hex')}`;
process.env.RPC_NAMESPACE = run;
process.env.REDIS_PREFIX = run;
process.env.NATS_URL = TEST_NATS_URL;
process.env.REDIS_URL = TEST_REDIS_URL;
process.env.RPC_TIMEOUT_MS = '3000';
process.env.RPC_SHUTDOWN_GRACE_MS = '50';

export const testRun = run;
