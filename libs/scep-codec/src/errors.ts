// OWNER: codec helper.
import type { FailInfo } from './constants';

/**
 * MALFORMED: not a usable pkiMessage (HTTP 400 before anything can be echoed).
 * SIGNATURE: signer not found / digest or signature mismatch (failInfo badMessageCheck).
 * ALGORITHM: unsupported digest, signature or cipher algorithm (failInfo badAlg).
 * DECRYPT: the envelope cannot be opened: one code for every cause (failInfo badRequest), no oracle.
 * MESSAGE_DATA: the decrypted content is not what the messageType requires (failInfo badRequest).
 */
export type ScepCodecErrorCode = 'MALFORMED' | 'SIGNATURE' | 'ALGORITHM' | 'DECRYPT' | 'MESSAGE_DATA';

export class ScepCodecError extends Error {
  constructor(
    readonly code: ScepCodecErrorCode,
    message: string,
    readonly failInfo?: FailInfo,
  ) {
    super(message);
    this.name = 'ScepCodecError';
  }
}
