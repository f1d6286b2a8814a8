import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { CertificateAuthorityReader } from '@scep/persistence-read';
import { gatewayConfig } from '../gateway-config';

/**
 * When to forget cached OCSP answers of a CA: every revocation or hold release bumps the CA's revocation generation in
 * the same transaction (issuance.certificate_authorities). This watches the generation of every CA with cached answers
 * (one query per SCEP_GATEWAY_OCSP_RECHECK_MS for all of them) and tells its listener when one moved, when a CA is no
 * longer watched, or when it could not look (then nothing cached can be trusted to be current).
 *
 * A cache must call `watch` before it asks for an answer to cache: the generation read first is older than the
 * statuses the answer is made from, so a revocation committed in between moves it and drops that answer.
 */
@Injectable()
export class RevocationGenerations implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RevocationGenerations.name);
  private readonly config = gatewayConfig();
  private readonly listeners: Array<(caId: string | undefined) => void> = [];
  private readonly known = new LRUCache<string, string>({
    max: this.config.SCEP_GATEWAY_OCSP_CACHE_ENTRIES,
    // A CA no longer watched can no longer be invalidated: its answers go with it.
    dispose: (_generation, caId, reason) => {
      if (reason !== 'set') this.notify(caId);
    },
  });
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(private readonly cas: CertificateAuthorityReader) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.check(), this.config.SCEP_GATEWAY_OCSP_RECHECK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** `caId` undefined: forget everything. */
  onChange(listener: (caId: string | undefined) => void): void {
    this.listeners.push(listener);
  }

  /** Starts watching a CA (reads its generation now if it is not watched yet). */
  async watch(caId: string): Promise<void> {
    if (this.known.has(caId)) return;
    const generation = (await this.cas.revocationGenerations([caId])).get(caId);
    if (generation !== undefined && !this.known.has(caId)) this.known.set(caId, generation);
  }

  /** One round: every watched CA's generation, compared. Exposed for tests; the timer calls it. */
  async check(): Promise<void> {
    if (this.checking || this.known.size === 0) return;
    this.checking = true;
    try {
      const watched = [...this.known.keys()];
      const current = await this.cas.revocationGenerations(watched);
      for (const caId of watched) {
        const now = current.get(caId);
        if (now !== this.known.peek(caId)) {
          this.known.delete(caId); // disposes: the listeners drop the CA's answers
          if (now !== undefined) this.known.set(caId, now);
        }
      }
    } catch (error) {
      this.logger.warn({ reason: error instanceof Error ? error.name : 'error' }, 'cannot check revocation generations: cached OCSP answers dropped');
      this.known.clear();
      this.notify(undefined);
    } finally {
      this.checking = false;
    }
  }

  private notify(caId: string | undefined): void {
    for (const listener of this.listeners) listener(caId);
  }
}
