/** The parts of a SCEP HTTP request the gateway dispatches on. */
export interface ScepRequest {
  readonly method: string;
  /** The raw query string, not form-decoded (GET `message=` needs it raw, §2.3). */
  readonly rawQuery: string;
  readonly body: Buffer | undefined;
  readonly clientAddress: string;
}

export type ScepOperation = 'GetCACaps' | 'GetCACert' | 'GetNextCACert' | 'PKIOperation';

const OPERATIONS: ScepOperation[] = ['GetCACaps', 'GetCACert', 'GetNextCACert', 'PKIOperation'];

/** `operation=` compared case-insensitively (§2.1); undefined when absent, 'unknown' when not one of ours. */
export function operationOf(rawQuery: string): ScepOperation | 'unknown' | undefined {
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    if (name.toLowerCase() !== 'operation') continue;
    let value: string;
    try {
      value = decodeURIComponent((eq === -1 ? '' : part.slice(eq + 1)).replace(/\+/g, ' ')).trim();
    } catch {
      return 'unknown';
    }
    return OPERATIONS.find((op) => op.toLowerCase() === value.toLowerCase()) ?? 'unknown';
  }
  return undefined;
}

export function rawQueryOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}
