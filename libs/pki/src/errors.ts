/** Errors raised by the PKI helpers. `code` is stable and safe to log; messages never carry key material. */
export type PkiErrorCode =
  | 'MALFORMED_DER'
  | 'MALFORMED_PEM'
  | 'MALFORMED_CERTIFICATE'
  | 'MALFORMED_CSR'
  | 'MALFORMED_NAME'
  | 'UNSUPPORTED_KEY'
  | 'UNSUPPORTED_ALGORITHM'
  | 'KEY_UNWRAP_FAILED'
  | 'INVALID_ARGUMENT';

export class PkiError extends Error {
  constructor(
    readonly code: PkiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PkiError';
  }
}
