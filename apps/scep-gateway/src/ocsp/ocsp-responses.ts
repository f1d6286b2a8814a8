import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { OCSP_REQUEST_MAX_BYTES, OcspRespond, type RpcResponse } from '@scep/contracts';
import { LoadingCache } from '@scep/persistence-core';
import { CertificateAuthorityReader } from '@scep/persistence-read';
import { OcspRequestError, type OcspErrorStatus, ocspErrorResponse, readOcspRequest } from '@scep/pki';
import { RpcCallError, RpcClient, RpcUnavailableError } from '@scep/transport';
import { gatewayConfig } from '../gateway-config';
import { RevocationGenerations } from './revocation-generations';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Seconds an OCSP client is told to wait when the responder cannot answer now. */
export const OCSP_RETRY_AFTER_SECONDS = 5;

export interface OcspAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

interface CachedResponse {
  readonly der: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly cacheUntil: Date;
}

type Refusal = Extract<RpcResponse<typeof OcspRespond>, { result: 'refused' }>;

/**
 * The gateway's OCSP responder endpoint (RFC 6960 Appendix A): no key of any kind here. Requests are read (bounded),
 * answered by the policy service — which reads the statuses and signs with the CA's delegated responder — and answers
 * to requests without a nonce are cached per CA and question until half their validity, dropped as soon as the CA's
 * revocation generation moves (RevocationGenerations). A request with a nonce is answered freshly every time: its
 * response echoes the nonce (RFC 8954) and is good for that client only (docs/adr/010-revocation-crl-ocsp.md).
 */
@Injectable()
export class OcspResponses {
  private readonly logger = new Logger(OcspResponses.name);
  private readonly config = gatewayConfig();
  private readonly cache = new LoadingCache<CachedResponse | Refusal>({
    maxEntries: this.config.SCEP_GATEWAY_OCSP_CACHE_ENTRIES,
    // Refusals are not kept (the next request asks again).
    ttlMs: (value) => ('der' in value ? Math.max(0, value.cacheUntil.getTime() - Date.now()) : 0),
  });
  /** Which CAs exist in which tenant (junk ids must not reach the policy service, nor the database each time). */
  private readonly cas = new LoadingCache<boolean>({ maxEntries: 20_000, ttlMs: (found) => (found ? 10 * 60_000 : 10_000) });

  constructor(
    private readonly rpc: RpcClient,
    private readonly caReader: CertificateAuthorityReader,
    private readonly generations: RevocationGenerations,
  ) {
    generations.onChange((caId) => this.cache.deleteWhere((key) => caId === undefined || key.startsWith(`${caId}/`)));
  }

  async answer(tenantId: string, caId: string, requestDer: Buffer | undefined): Promise<OcspAnswer> {
    if (!UUID.test(tenantId) || !UUID.test(caId)) return notFound();
    if (!requestDer || requestDer.length === 0) return malformed('OCSPRequest', 'no request');
    if (requestDer.length > OCSP_REQUEST_MAX_BYTES) return malformed('OCSPRequest', 'request too large');
    let nonce: Buffer | undefined;
    let requestList: Buffer;
    try {
      const parsed = readOcspRequest(requestDer);
      nonce = parsed.nonce;
      requestList = parsed.requestListDer;
    } catch (error) {
      if (error instanceof OcspRequestError) return malformed(error.field, error.message);
      throw error;
    }
    const known = await this.cas.get(`${tenantId}/${caId}`, async () => (await this.caReader.find(tenantId, caId)) !== undefined);
    if (!known) return notFound();

    if (nonce) {
      const answer = await this.ask(tenantId, caId, requestDer);
      return 'der' in answer ? success(answer, false) : refused(answer);
    }
    const key = `${caId}/${tenantId}/${createHash('sha256').update(requestList).digest('base64url')}`;
    const answer = await this.cache.get(key, async () => {
      await this.generations.watch(caId);
      return this.ask(tenantId, caId, requestDer);
    });
    return 'der' in answer ? success(answer, true) : refused(answer);
  }

  private async ask(tenantId: string, caId: string, requestDer: Buffer): Promise<CachedResponse | Refusal> {
    try {
      const answer = await this.rpc.call(OcspRespond, { tenantId, caId, requestDer: requestDer.toString('base64') });
      if (answer.result === 'refused') return answer;
      return { der: Buffer.from(answer.responseDer, 'base64'), thisUpdate: new Date(answer.thisUpdate), nextUpdate: new Date(answer.nextUpdate), cacheUntil: new Date(answer.cacheUntil) };
    } catch (error) {
      if (error instanceof RpcUnavailableError || error instanceof RpcCallError) {
        this.logger.warn({ tenantId, caId, reason: error.name }, 'OCSP responder unavailable');
        return { result: 'refused', status: 'tryLater', reason: 'responder unavailable' };
      }
      throw error;
    }
  }
}

function notFound(): OcspAnswer {
  return { status: 404, contentType: 'text/plain', headers: {}, body: Buffer.from('no such OCSP responder\n') };
}

/** Bad input: HTTP 400 with the protocol's own answer (malformedRequest) and the refused field named in a header. */
function malformed(field: string, message: string): OcspAnswer {
  return {
    status: 400,
    contentType: 'application/ocsp-response',
    headers: { 'x-ocsp-refused-field': field.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 100), 'x-ocsp-refused-reason': message.replace(/[^\x20-\x7e]/g, '').slice(0, 200) },
    body: ocspErrorResponse('malformedRequest'),
  };
}

function refused(refusal: Refusal): OcspAnswer {
  const status: OcspErrorStatus = refusal.status;
  switch (status) {
    case 'malformedRequest':
      return { ...malformed('OCSPRequest', refusal.reason) };
    case 'unauthorized':
      return { status: 404, contentType: 'application/ocsp-response', headers: {}, body: ocspErrorResponse('unauthorized') };
    default:
      return { status: 503, contentType: 'application/ocsp-response', headers: { 'retry-after': String(OCSP_RETRY_AFTER_SECONDS) }, body: ocspErrorResponse(status) };
  }
}

/**
 * A signed response. Without a nonce it is the same for everyone: cacheable by HTTP caches as RFC 5019 §6.2 describes
 * (max-age until we renew it ourselves, Expires at its nextUpdate); with a nonce it is that client's only.
 */
function success(response: CachedResponse, shared: boolean): OcspAnswer {
  const now = Date.now();
  const headers: Record<string, string> = shared
    ? {
        'cache-control': `public, max-age=${Math.max(0, Math.floor((response.cacheUntil.getTime() - now) / 1000))}, no-transform, must-revalidate`,
        'last-modified': response.thisUpdate.toUTCString(),
        expires: response.nextUpdate.toUTCString(),
        etag: `"${createHash('sha256').update(response.der).digest('base64url').slice(0, 27)}"`,
      }
    : { 'cache-control': 'no-store' };
  return { status: 200, contentType: 'application/ocsp-response', headers, body: response.der };
}
