/** What one PKIOperation came back as, and tallies of those (every kind counted, none dropped). */
export type Outcome =
  | { readonly kind: 'success'; readonly serialHex: string; readonly issuerDer: Buffer; readonly certificateDer: Buffer }
  | { readonly kind: 'failure'; readonly failInfo: string; readonly text?: string }
  | { readonly kind: 'pending' }
  | { readonly kind: 'http'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'transport'; readonly code: string }
  | { readonly kind: 'bad-reply'; readonly reason: string };

/** A short, stable label per kind of outcome (the keys of the tallies and of the JSON results). */
export function outcomeLabel(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'success':
      return 'SUCCESS';
    case 'failure':
      return `FAILURE ${outcome.failInfo}`;
    case 'pending':
      return 'PENDING';
    case 'http':
      return `HTTP ${outcome.status}${outcome.status === 503 ? (outcome.retryAfter ? ' with Retry-After' : ' without Retry-After') : ''}`;
    case 'transport':
      return `transport ${outcome.code}`;
    case 'bad-reply':
      return `bad reply: ${outcome.reason}`;
  }
}

export class Tally {
  private readonly counts = new Map<string, number>();

  add(label: string, n = 1): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + n);
  }

  get(label: string): number {
    return this.counts.get(label) ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** Sorted by count, largest first. */
  entries(): Array<[string, number]> {
    return [...this.counts].sort((a, b) => b[1] - a[1]);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.entries());
  }

  /** "SUCCESS 2990, FAILURE badRequest 10". */
  toString(): string {
    return this.entries().map(([label, n]) => `${label} ${n}`).join(', ') || 'none';
  }
}

/** Serial numbers seen per issuer: a second certificate with the same issuer and serial is a duplicate. */
export class SerialRegistry {
  private readonly seen = new Set<string>();
  duplicates = 0;

  /** True when new; false (and counted) when this issuer already issued this serial in the run. */
  record(issuerDer: Buffer, serialHex: string): boolean {
    const key = `${issuerDer.toString('base64')}/${serialHex}`;
    if (this.seen.has(key)) {
      this.duplicates++;
      return false;
    }
    this.seen.add(key);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
