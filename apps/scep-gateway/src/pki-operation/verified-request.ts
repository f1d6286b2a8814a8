import { FailInfo, type ParsedPkiMessage, ScepCodecError } from '@scep/codec';
import { type CertificateInfo, PkiError } from '@scep/pki';
import type { CaGeneration, ScepEndpoint } from '../endpoints/scep-endpoint';
import type { SignerKind } from './signer-classification';

/** A request whose signature verified: what every message type's handler starts from. */
export interface VerifiedRequest {
  readonly message: ParsedPkiMessage;
  /** The pkiMessage as received (DER): a renewal forwards it, so that the policy service checks the signature itself. */
  readonly messageDer: Buffer;
  readonly signer: CertificateInfo;
  readonly signerKind: SignerKind;
  readonly endpoint: ScepEndpoint;
  readonly clientAddress: string;
  /**
   * The generation whose RA opened the envelope: it signs the reply, because the client verifies the reply with the
   * RA it encrypted to (Apple's SecSCEPVerifyReply; RFC 8894 §4.7 during a rollover). Unset until decryption.
   */
  readonly replyAs: { generation?: CaGeneration };
}

/** A step refused the request: answered as a signed FAILURE (RFC 8894 §3.3.2), never as an HTTP error. */
export class RequestRefused extends Error {
  constructor(
    readonly failInfo: FailInfo,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * The client is locked out of the profile (too many failed challenges; docs/adr/008-abuse-and-client-addresses.md)
 * or over its budget of refusals: answered HTTP 429 with Retry-After, without a signed CertRep.
 */
export class ClientThrottled extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('client throttled');
  }
}

/** Codec/PKI errors become refusals with their failInfo; anything else is a bug and propagates (HTTP 500). */
export function refusal(error: unknown, fallback: FailInfo): RequestRefused {
  if (error instanceof ScepCodecError) return new RequestRefused(error.failInfo ?? fallback, `${error.code.toLowerCase()}: ${error.message}`.slice(0, 200));
  if (error instanceof PkiError) return new RequestRefused(fallback, error.code.toLowerCase());
  throw error;
}
