// Imported first by the challenge service's integration specs.
import { randomBytes } from 'node:crypto';
import { TEST_REDIS_URL } from '@scep/testing';

export const testRun = `c${process.pid}${randomBytes(3).toString('hex')}`;
process.env.CHALLENGE_PEPPER = randomBytes(32).toString('base64');
process.env.REDIS_PREFIX = testRun;
process.env.REDIS_URL = TEST_REDIS_URL;
process.env.LOG_LEVEL = 'warn';
