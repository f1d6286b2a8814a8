// Imported first by the gateway's integration specs.
import { randomBytes } from 'node:crypto';
import { TEST_REDIS_URL } from '@scep/testing';

export const testRun = `g${process.pid}${randomBytes(3).toString('hex')}`;
process.env.REDIS_PREFIX = testRun;
process.env.REDIS_URL = TEST_REDIS_URL;
process.env.SCEP_GATEWAY_RA_KEK = randomBytes(32).toString('base64');
