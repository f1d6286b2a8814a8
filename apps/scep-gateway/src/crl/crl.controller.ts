import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LoadingCache } from '@scep/persistence-core';
import { CrlReader, type CrlRecord } from '@scep/persistence-read';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** How long this process keeps a CRL it read: the signer issues a new one within seconds of a revocation. */
const CRL_CACHE_MS = 2_000;

/**
 * The CRL distribution point (RFC 5280 §4.2.1.13) put into every issued certificate: plain HTTP, DER,
 * `application/pkix-crl` (RFC 2585 §4). Read again every two seconds at most (a revocation's CRL is served within
 * seconds); HTTP caches are told they may keep it until its nextUpdate, as relying parties do anyway
 * (docs/adr/010-revocation-crl-ocsp.md). CRLs are public.
 */
@Controller('crl')
export class CrlController {
  private readonly cache = new LoadingCache<CrlRecord | undefined>({ maxEntries: 10_000, ttlMs: () => CRL_CACHE_MS });

  constructor(private readonly crls: CrlReader) {}

  @Get(':tenantId/:file')
  async crl(@Param('tenantId') tenantId: string, @Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    const caId = file.endsWith('.crl') ? file.slice(0, -4) : '';
    const crl = UUID.test(tenantId) && UUID.test(caId) ? await this.cache.get(`${tenantId}/${caId}`, () => this.crls.current(tenantId, caId)) : undefined;
    if (!crl) {
      await reply.code(404).header('content-type', 'text/plain').send(Buffer.from('no such CRL\n'));
      return;
    }
    await reply
      .code(200)
      .header('content-type', 'application/pkix-crl')
      .header('cache-control', `public, max-age=${Math.max(0, Math.floor((crl.nextUpdate.getTime() - Date.now()) / 1000))}, no-transform`)
      .header('expires', crl.nextUpdate.toUTCString())
      .header('last-modified', crl.thisUpdate.toUTCString())
      .header('etag', `"crl-${crl.crlNumber}"`)
      .send(crl.crlDer);
  }
}
