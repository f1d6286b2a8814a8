// Imported first by the gateway's OCSP integration spec (after test-env.int): settings before any config is read.
import { TEST_NATS_URL, runScopedName } from '@scep/testing';

process.env.RPC_NAMESPACE = runScopedName('gwocsp');
process.env.NATS_URL = TEST_NATS_URL;
process.env.LOG_LEVEL = 'silent';
process.env.OTEL_SDK_DISABLED = 'true';
process.env.RPC_SHUTDOWN_GRACE_MS = '200';
process.env.RPC_TIMEOUT_MS = '2000';
process.env.SCEP_GATEWAY_OCSP_RECHECK_MS = '200';
