import type { MessageType } from '@scep/codec';
import type { Outcome } from '../outcome';
import type { VerifiedRequest } from '../verified-request';

/** The handler of one or more SCEP message types (RFC 8894 §3.3): one per type, like the policy's one rule per file. */
export interface MessageHandler {
  readonly messageTypes: readonly MessageType[];
  handle(request: VerifiedRequest): Promise<Outcome>;
}
