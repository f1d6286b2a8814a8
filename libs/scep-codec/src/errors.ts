// OWNER: codec helper.
import { FailInfo } from './constants';

/**
 * MALFORMED: not a usable pkiMessage (HTTP 400 before anything can be echoed).
 * SIGNATURE: signer not found / digest or signature mismatch (failInfo badMessageCheck).
 * ALGORITHM: unsupported digest, signature or cipher algorithm (failInfo badAlg).
 * DECRYPT: the envelope cannot be opened: one code for every cause (failInfo badRequest), no oracle.
 * MESSAGE_DATA: the decrypted content is not what the messageType requires (failInfo badRequest).
 */
export type ScepCodecErrorCode = 'MALFORMED' | 'SIGNATURE' | 'ALGORITHM' | 'DECRYPT' | 'MESSAGE_DATA';

export interface ScepCodecErrorOptions {
  /** The underlying exception, for logs (never shown to clients; never set for DECRYPT, which must stay uniform). */
  readonly cause?: unknown;
}

export class ScepCodecError extends Error {
  constructor(
    readonly code: ScepCodecErrorCode,
    message: string,
    readonly failInfo?: FailInfo,
    options?: ScepCodecErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScepCodecError';
  }
}

/** The failInfo each code maps to in a CertRep FAILURE (RFC 8894 §3.2.1.4); MALFORMED gets no CertRep. */
export const FAIL_INFO_BY_CODE: Readonly<Record<ScepCodecErrorCode, FailInfo | undefined>> = {
  MALFORMED: undefined,
  SIGNATURE: FailInfo.BadMessageCheck,
  ALGORITHM: FailInfo.BadAlg,
  DECRYPT: FailInfo.BadRequest,
  MESSAGE_DATA: FailInfo.BadRequest,
};
