import { type ContentCipher, FailInfo, PkiStatus } from '@scep/codec';
import type { EnrollmentState, FailInfoName } from '@scep/contracts';
import { ClientThrottled } from './verified-request';

/** What the device is told, before it is signed and encoded as a CertRep (RFC 8894 §3.3.2). */
export type Outcome =
  | { readonly status: PkiStatus.Success; readonly certificates: Buffer[]; readonly crls?: Buffer[]; readonly cipher: ContentCipher }
  | { readonly status: PkiStatus.Pending }
  | { readonly status: PkiStatus.Failure; readonly failInfo: FailInfo; readonly reason: string };

const FAIL_INFO_BY_NAME: Record<FailInfoName, FailInfo> = {
  badAlg: FailInfo.BadAlg,
  badMessageCheck: FailInfo.BadMessageCheck,
  badRequest: FailInfo.BadRequest,
  badTime: FailInfo.BadTime,
  badCertId: FailInfo.BadCertId,
};

/** The policy service's answer for a transaction, as the device's CertRep (a lockout throws ClientThrottled: HTTP 429). */
export function outcomeOf(state: EnrollmentState, cipher: ContentCipher): Outcome {
  switch (state.state) {
    case 'issued':
      return { status: PkiStatus.Success, certificates: [Buffer.from(state.certificateDer, 'base64')], cipher };
    case 'pending':
      return { status: PkiStatus.Pending };
    case 'rejected':
      return { status: PkiStatus.Failure, failInfo: FAIL_INFO_BY_NAME[state.failInfo], reason: state.reason };
    case 'throttled':
      throw new ClientThrottled(state.retryAfterSeconds);
  }
}
