// Imported first by the admin API's integration specs: per-run Redis prefix, RPC namespace and bootstrap key before
// any config is read.
import { randomBytes } from 'node:crypto';
import { TEST_NATS_URL, TEST_REDIS_URL } from '@scep/testing';

export const testRun = `a${process.pid}${randomBytes(3).toString('hex')}`;
/** The platform key the app ensures at start (format scep_<16 hex>_<secret>). */
export const bootstrapApiKey = `scep_${randomBytes(8).toString('hex')}_${randomBytes(24).toString('base64url')}`;
process.env.REDIS_PREFIX = testRun;
process.env.RPC_NAMESPACE = testRun;
process.env.REDIS_URL = TEST_REDIS_URL;
process.env.NATS_URL = TEST_NATS_URL;
process.env.LOG_LEVEL = 'silent';
process.env.OTEL_SDK_DISABLED = 'true';
process.env.RPC_SHUTDOWN_GRACE_MS = '200';
process.env.ADMIN_BOOTSTRAP_API_KEY = bootstrapApiKey;
process.env.ADMIN_KEYGEN_TIMEOUT_MS = '10000';
