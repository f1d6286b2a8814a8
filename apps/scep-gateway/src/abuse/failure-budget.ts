import { LRUCache } from 'lru-cache';
import { clientRateKey } from '@scep/transport';

interface Window {
  startedMs: number;
  failures: number;
}

/**
 * A per-client budget of signed FAILURE replies (each costs an RSA signature; docs/adr/008-abuse-and-client-
 * addresses.md): `limit` per profile and client address within a fixed window; over it, the client's PKIOperations
 * are refused with HTTP 429 before any RSA work until the window ends. Per gateway replica and bounded in memory: a
 * budget, not an accounting — its job is to keep one client from spending the gateway's CPU.
 */
export class FailureBudget {
  private readonly windows: LRUCache<string, Window>;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    maxClients: number,
  ) {
    this.windows = new LRUCache<string, Window>({ max: maxClients });
  }

  /** Seconds until the client may try again, when it has spent its budget. */
  retryAfterSeconds(profileKey: string, clientAddress: string, now = Date.now()): number | undefined {
    const window = this.windows.get(`${profileKey}/${clientRateKey(clientAddress)}`);
    if (!window || now - window.startedMs >= this.windowMs || window.failures < this.limit) return undefined;
    return Math.max(1, Math.ceil((window.startedMs + this.windowMs - now) / 1000));
  }

  recordFailure(profileKey: string, clientAddress: string, now = Date.now()): void {
    const key = `${profileKey}/${clientRateKey(clientAddress)}`;
    const window = this.windows.get(key);
    if (!window || now - window.startedMs >= this.windowMs) this.windows.set(key, { startedMs: now, failures: 1 });
    else window.failures++;
  }
}
