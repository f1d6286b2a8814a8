/**
 * Node 24 tells a KeyObject or CryptoKey argument from anything else (a Buffer key, an options object such as
 * `{ key, padding }`) by calling native code that throws for anything else and catching the error: two exceptions,
 * each with a stack trace, in every createCipheriv(Buffer), createHmac(Buffer), privateDecrypt({ key, ... }) and
 * createPublicKey({ key, ... }) — measured ~12 µs per call, more than the AES it guards. Where a KeyObject can be
 * passed, we pass one; where the call needs a Buffer or options (a per-request content key, a padding mode), it
 * runs through here, which captures no stack trace meanwhile (restored before returning, also on error). Errors
 * raised inside carry no stack; callers map them to their own coded errors anyway.
 */
export function withoutStackTraces<T>(call: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return call();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
