// Imported first by this app's integration specs: per-run Redis prefix, RPC namespace and keys before config is read.
import { randomBytes } from 'node:crypto';
import { TEST_NATS_URL, TEST_REDIS_URL } from '@scep/testing';

export const testRun = `p${process.pid}${randomBytes(3).toString('hex')}`;
/** What the policy service shares with the signer (the test's fake signer uses it too). */
export const testApprovalSecret = randomBytes(32);
process.env.REDIS_PREFIX = testRun;
process.env.RPC_NAMESPACE = testRun;
process.env.REDIS_URL = TEST_REDIS_URL;
process.env.NATS_URL = TEST_NATS_URL;
process.env.LOG_LEVEL = 'warn';
process.env.POLICY_APPROVAL_KEY = testApprovalSecret.toString('base64');
process.env.POLICY_OPS_PORT = '0';
// Sweeps are driven by the tests (SigningReconciler.sweep), not by the timer.
process.env.POLICY_RECONCILE_INTERVAL_SECONDS = '3600';
