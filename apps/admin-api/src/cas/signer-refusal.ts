import { GenerateCa, IssueRaCredential } from '@scep/contracts';
import { AdminError, INTERNAL_MESSAGE } from '../common/admin-error';

interface KnownRefusal {
  /** Jobs whose payload carries the field the refusal is about (elsewhere the same reason is our own bug). */
  readonly jobs: readonly string[];
  readonly error: () => AdminError;
}

/**
 * The signer's stable reason codes (the messages of its UnrecoverableErrors, apps/signer-worker) that an operator can
 * act on, answered with our own words and the field of the request. The signer's text never reaches an API answer:
 * a job can fail for reasons that name hosts, keys or SQL, so everything else is a generic 500 (details in the log).
 */
const KNOWN: Readonly<Record<string, KnownRefusal>> = {
  'invalid-subject': {
    jobs: [GenerateCa.name],
    error: () => new AdminError('invalid', 'the subject is not a distinguished name the signer can encode (RFC 4514, e.g. "CN=Acme Device CA,O=Acme")', 'subject'),
  },
  'ca-not-found': {
    jobs: [IssueRaCredential.name],
    error: () => new AdminError('invalid', 'the CA was not found in this tenant', 'caId'),
  },
};

/** The admin error for a key-management job that failed with `reason` (the job's failedReason). */
export function signerRefusal(jobName: string, reason: string): AdminError {
  const known = Object.hasOwn(KNOWN, reason) ? KNOWN[reason] : undefined;
  if (known && known.jobs.includes(jobName)) return known.error();
  return new AdminError('internal', INTERNAL_MESSAGE);
}
