import { FailInfo, MessageType, PkiStatus } from '@scep/codec';
import type { ScepEndpoint } from '../endpoints/scep-endpoint';

/** Label values of scep_requests_total / scep_request_duration_seconds, each a closed set; index 0 is "none". */
export const OPERATION_LABELS = ['none', 'GetCACaps', 'GetCACert', 'GetNextCACert', 'PKIOperation'] as const;
export const MESSAGE_TYPE_LABELS = ['none', 'PKCSReq', 'RenewalReq', 'CertPoll', 'GetCert', 'GetCRL'] as const;
export const PKI_STATUS_LABELS = ['none', 'SUCCESS', 'PENDING', 'FAILURE'] as const;
export const FAIL_INFO_LABELS = ['none', 'badAlg', 'badMessageCheck', 'badRequest', 'badTime', 'badCertId'] as const;

export type OperationLabel = (typeof OPERATION_LABELS)[number];

const OPERATION_INDEX: Readonly<Record<Exclude<OperationLabel, 'none'>, number>> = { GetCACaps: 1, GetCACert: 2, GetNextCACert: 3, PKIOperation: 4 };

/** RFC 8894 §3.2.1.2 messageType → label index (anything else, e.g. a CertRep sent to us, is "none"). */
function messageTypeIndex(type: MessageType): number {
  switch (type) {
    case MessageType.PKCSReq:
      return 1;
    case MessageType.RenewalReq:
      return 2;
    case MessageType.CertPoll:
      return 3;
    case MessageType.GetCert:
      return 4;
    case MessageType.GetCRL:
      return 5;
    default:
      return 0;
  }
}

/** RFC 8894 §3.2.1.3 pkiStatus → label index. */
function pkiStatusIndex(status: PkiStatus): number {
  switch (status) {
    case PkiStatus.Success:
      return 1;
    case PkiStatus.Pending:
      return 2;
    case PkiStatus.Failure:
      return 3;
  }
}

/**
 * What one SCEP request turned out to be, filled in as the gateway learns it (the endpoint, the operation, then for
 * a PKIOperation the messageType and the answer's pkiStatus/failInfo) and counted once its HTTP answer is sent
 * (ScepMetrics). Label values are kept as indexes into the closed sets above: recording one builds no label object.
 */
export class ScepExchange {
  /** The endpoint when /scep/{tenant}/{profile} names a known one (its slugs become the tenant/profile labels). */
  endpoint: ScepEndpoint | undefined = undefined;
  operation = 0;
  messageType = 0;
  pkiStatus = 0;
  failInfo = 0;

  setOperation(operation: Exclude<OperationLabel, 'none'>): void {
    this.operation = OPERATION_INDEX[operation];
  }

  setMessageType(type: MessageType): void {
    this.messageType = messageTypeIndex(type);
  }

  /** The CertRep's pkiStatus, and its failInfo for a FAILURE (RFC 8894 §3.2.1.4). */
  setAnswer(status: PkiStatus, failInfo?: FailInfo): void {
    this.pkiStatus = pkiStatusIndex(status);
    // FailInfo is 0..4 (badAlg..badCertId), the label set shifted by "none".
    this.failInfo = status === PkiStatus.Failure && failInfo !== undefined && failInfo >= 0 && failInfo < FAIL_INFO_LABELS.length - 1 ? failInfo + 1 : 0;
  }
}
