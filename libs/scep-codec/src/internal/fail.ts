// Error helpers: every codec entry point throws ScepCodecError only (house style: coded errors, no key
// material or attacker-controlled detail in messages).
import { FAIL_INFO_BY_CODE, ScepCodecError } from '../errors';
import type { ScepCodecErrorCode, ScepCodecErrorOptions } from '../errors';

export function codecError(code: ScepCodecErrorCode, message: string, options?: ScepCodecErrorOptions): ScepCodecError {
  return new ScepCodecError(code, message, FAIL_INFO_BY_CODE[code], options);
}

/**
 * Runs `fn`; a ScepCodecError passes through, anything else (asn1 reader errors, Node crypto errors, a
 * TypeError on a missing element) becomes `code` with a generic message and the original as `cause`.
 */
export function guard<T>(code: ScepCodecErrorCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ScepCodecError) throw e;
    throw codecError(code, message, { cause: e });
  }
}
