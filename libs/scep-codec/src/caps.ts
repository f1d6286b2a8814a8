// OWNER: codec helper. GetCACaps body (scep-protocol.md §3).

export type Capability =
  | 'AES' | 'DES3' | 'GetNextCACert' | 'POSTPKIOperation' | 'Renewal'
  | 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SCEPStandard';

/**
 * One keyword per line, LF separators, trailing LF. LF rather than CRLF: Apple's old reference client split on
 * '\n' only (§3). Duplicates are dropped, order kept; an empty list gives an empty body (legal: no capabilities).
 */
export function renderCapabilities(caps: readonly Capability[]): string {
  const unique = [...new Set(caps)];
  return unique.length ? `${unique.join('\n')}\n` : '';
}
