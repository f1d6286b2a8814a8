// OWNER: codec helper. GetCACaps body (scep-protocol.md §3).

export type Capability =
  | 'AES' | 'DES3' | 'GetNextCACert' | 'POSTPKIOperation' | 'Renewal'
  | 'SHA-1' | 'SHA-256' | 'SHA-512' | 'SCEPStandard';

/** One keyword per line, LF separators, trailing LF. */
export function renderCapabilities(caps: readonly Capability[]): string {
  void caps;
  throw new Error('not implemented');
}
