import { Injectable } from '@nestjs/common';
import { ContentTypes, type Capability, buildNextCaCertResponse, decodeGetMessageParam, renderCapabilities } from '@scep/codec';
import { isDependencyUnavailable } from '@scep/transport';
import { type CaGeneration, type ScepEndpoint, generationsNow } from '../endpoints/scep-endpoint';
import { ScepEndpointCache } from '../endpoints/scep-endpoint.cache';
import { PkiOperationService } from '../pki-operation/pki-operation.service';
import { type ScepReply, textReply } from './scep-reply';
import { type ScepRequest, operationOf } from './scep-request';

/**
 * What we advertise is exactly what works (scep-protocol.md §3); `GetNextCACert` only while a next CA is announced
 * (§8.2). macOS reports "server doesn't support renewal" without `Renewal`; certmonger only renews when it sees it.
 * `SHA-384` is verified like the others, and strongSwan 5.9.8 only uses its default AES when it is listed (its
 * capability parser pairs each cipher with a digest keyword).
 */
const ALWAYS: Capability[] = ['POSTPKIOperation', 'Renewal', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SCEPStandard'];

/** The capabilities of a profile: AES and DES3 only when it accepts them (clients trust GetCACaps, RFC 8894 §3.5.2). */
function capabilitiesOf(endpoint: ScepEndpoint, withNext: boolean): Buffer {
  const ciphers: Capability[] = [];
  if (endpoint.contentCiphers.some((c) => c.startsWith('aes-'))) ciphers.push('AES');
  if (endpoint.contentCiphers.includes('des-ede3-cbc')) ciphers.push('DES3');
  return Buffer.from(renderCapabilities([...ciphers, ...ALWAYS, ...(withNext ? (['GetNextCACert'] as const) : [])]));
}

/** Dispatches a request for /scep/{tenant}/{profile}[/anything] on its `operation` (§2.1, §2.2, §2.5). */
@Injectable()
export class ScepHttpService {
  /**
   * GetNextCACert bodies per announced generation: signing one costs an RSA signature, and the answer only changes
   * with the generation (a WeakMap: it goes with the cached endpoint).
   */
  private readonly nextCaCertBodies = new WeakMap<CaGeneration, Buffer>();

  constructor(
    private readonly endpoints: ScepEndpointCache,
    private readonly pkiOperation: PkiOperationService,
  ) {}

  async handle(tenantSlug: string, profileSlug: string, request: ScepRequest): Promise<ScepReply> {
    try {
      return await this.dispatch(tenantSlug, profileSlug, request);
    } catch (error) {
      if (isDependencyUnavailable(error)) {
        // Infrastructure (NATS, the policy service, PostgreSQL), not the client's fault: retry later (certmonger and
        // others back off on 503). A recorded transaction is answered PENDING by the policy service instead.
        return textReply(503, 'service temporarily unavailable', { 'retry-after': '10' });
      }
      throw error;
    }
  }

  private async dispatch(tenantSlug: string, profileSlug: string, request: ScepRequest): Promise<ScepReply> {
    const endpoint = await this.endpoints.get(tenantSlug, profileSlug);
    if (!endpoint) return textReply(404, 'unknown SCEP endpoint');

    const operation = operationOf(request.rawQuery) ?? (request.method === 'POST' ? 'PKIOperation' : undefined);
    if (operation === undefined) return textReply(400, 'missing operation');
    if (operation === 'unknown') return textReply(400, 'unsupported operation');
    if (request.method === 'POST' && operation !== 'PKIOperation') return textReply(400, 'only PKIOperation may be POSTed');

    const generations = generationsNow(endpoint);
    switch (operation) {
      case 'GetCACaps':
        return { status: 200, contentType: ContentTypes.caps, body: capabilitiesOf(endpoint, Boolean(generations.upcoming)) };
      case 'GetCACert':
        // `message=` is a CA identifier clients fill with anything (§2.2): ignored, never an error.
        return { status: 200, contentType: ContentTypes.caRaCert, body: generations.active.caCertBag };
      case 'GetNextCACert': {
        const next = generations.upcoming;
        if (!next) return textReply(404, 'no next CA configured');
        // Signed by the current RA, which the client already trusts; next RA first, then the next CA (RFC 8894 §4.7).
        let body = this.nextCaCertBodies.get(next);
        if (!body) {
          body = buildNextCaCertResponse({ certificates: [next.ra.certificate.der, next.ca.der], signer: generations.active.ra });
          this.nextCaCertBodies.set(next, body);
        }
        return { status: 200, contentType: ContentTypes.nextCaCert, body };
      }
      case 'PKIOperation': {
        const message = request.method === 'POST' ? request.body : decodeGetMessageParam(request.rawQuery);
        if (!message || message.length === 0) return textReply(400, request.method === 'POST' ? 'empty body' : 'missing or undecodable message');
        return this.pkiOperation.handle(endpoint, message, request.clientAddress);
      }
    }
  }
}
