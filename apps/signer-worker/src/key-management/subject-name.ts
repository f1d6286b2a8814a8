import { UnrecoverableError } from 'bullmq';
import { PkiError, encodeDistinguishedName } from '@scep/pki';

/** The DER subject for an RFC 4514 string from a job; an unusable one fails the job permanently. */
export function subjectNameOrFail(dn: string): Buffer {
  try {
    return encodeDistinguishedName(dn);
  } catch (error) {
    if (error instanceof PkiError) throw new UnrecoverableError('invalid-subject');
    throw error;
  }
}
