// Imported first by the challenge service's integration specs: per-run Redis prefix, RPC namespace and settings
// before any config is read.
import { randomBytes } from 'node:crypto';
import { TEST_NATS_URL, TEST_REDIS_URL } from '@scep/testing';

export const testRun = `c${process.pid}${randomBytes(3).toString('hex')}`;
process.env.CHALLENGE_PEPPER = randomBytes(32).toString('base64');
process.env.REDIS_PREFIX = testRun;
process.env.RPC_NAMESPACE = testRun;
process.env.REDIS_URL = TEST_REDIS_URL;
process.env.NATS_URL = TEST_NATS_URL;
process.env.LOG_LEVEL = 'warn';
process.env.RPC_SHUTDOWN_GRACE_MS = '200';
process.env.OTEL_SDK_DISABLED = 'true';
// Small limits so lockouts are reached in a few calls; each spec uses fresh profiles and addresses.
process.env.CHALLENGE_FAILURES_PER_PROFILE = '6';
process.env.CHALLENGE_FAILURES_PER_CLIENT = '3';
process.env.CHALLENGE_FAILURES_PER_CLIENT_UNDER_ATTACK = '2';
process.env.CHALLENGE_LOCKOUT_EXEMPT_CIDRS = '203.0.113.0/24';
process.env.CHALLENGE_FAILURE_WINDOW_SECONDS = '60';
process.env.CHALLENGE_LOCKOUT_SECONDS = '60';
process.env.CHALLENGE_METRICS_PORT = '0';
process.env.CHALLENGE_INTUNE_TIMEOUT_MS = '1000';
process.env.CHALLENGE_INTUNE_NOTIFY_ATTEMPTS = '4';
process.env.CHALLENGE_INTUNE_NOTIFY_BACKOFF_MS = '50';
// Webhooks and FakeIntune listen on loopback http in these specs: the development exception, explicitly (the outbound
// guard's own specs build their policy without it).
process.env.CHALLENGE_OUTBOUND_ALLOW_PRIVATE = 'true';
