// Imported first by the signer's integration specs: keys and namespaces before any config is read.
import { randomBytes } from 'node:crypto';

export const testKeks = { ca: randomBytes(32), ra: randomBytes(32) };
/** What the policy service and the signer share to authenticate approvals. */
export const testApprovalSecret = randomBytes(32);
process.env.SIGNER_APPROVAL_KEY = testApprovalSecret.toString('base64');
process.env.SIGNER_OPS_PORT = '0';
process.env.SIGNER_CA_KEK = testKeks.ca.toString('base64');
process.env.SIGNER_RA_KEK = testKeks.ra.toString('base64');
process.env.REDIS_PREFIX = `s${process.pid}${randomBytes(3).toString('hex')}`;
process.env.LOG_LEVEL = 'warn';
process.env.SIGNER_CRL_BASE_URL = 'http://scep.example.test:8080';
