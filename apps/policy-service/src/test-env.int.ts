// Imported first by this app's integration specs: per-run Redis prefix and RPC namespace before config is read.
import { randomBytes } from 'node:crypto';
import { TEST_NATS_URL, TEST_REDIS_URL } from '@scep/testing';

export const testRun = `p${process.pid}${randomBytes(3).toString('hex')}`;
process.env.REDIS_PREFIX = testRun;
process.env.RPC_NAMESPACE = testRun;
process.env.REDIS_URL = TEST_REDIS_URL;
process.env.NATS_URL = TEST_NATS_URL;
process.env.LOG_LEVEL = 'warn';
