import { Injectable } from '@nestjs/common';
import { ContentTypes, type Capability, buildNextCaCertResponse, decodeGetMessageParam, renderCapabilities } from '@scep/codec';
import { RpcUnavailableError } from '@scep/transport';
import { generationsNow } from '../endpoints/scep-endpoint';
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
const CAPABILITIES: Capability[] = ['AES', 'DES3', 'POSTPKIOperation', 'Renewal', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SCEPStandard'];
const CAPS_BODY = Buffer.from(renderCapabilities(CAPABILITIES));
const CAPS_WITH_NEXT_BODY = Buffer.from(renderCapabilities([...CAPABILITIES, 'GetNextCACert']));

/** Dispatches a request for /scep/{tenant}/{profile}[/anything] on its `operation` (§2.1, §2.2, §2.5). */
@Injectable()
export class ScepHttpService {
  constructor(
    private readonly endpoints: ScepEndpointCache,
    private readonly pkiOperation: PkiOperationService,
  ) {}

  async handle(tenantSlug: string, profileSlug: string, request: ScepRequest): Promise<ScepReply> {
    try {
      return await this.dispatch(tenantSlug, profileSlug, request);
    } catch (error) {
      if (error instanceof RpcUnavailableError) {
        // Infrastructure, not the client's fault: retry later (certmonger and others back off on 503).
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
        return { status: 200, contentType: ContentTypes.caps, body: generations.upcoming ? CAPS_WITH_NEXT_BODY : CAPS_BODY };
      case 'GetCACert':
        // `message=` is a CA identifier clients fill with anything (§2.2): ignored, never an error.
        return { status: 200, contentType: ContentTypes.caRaCert, body: generations.active.caCertBag };
      case 'GetNextCACert': {
        const next = generations.upcoming;
        if (!next) return textReply(404, 'no next CA configured');
        // Signed by the current RA, which the client already trusts; next RA first, then the next CA (§8.2).
        const body = buildNextCaCertResponse({ certificates: [next.ra.certificate.der, next.ca.der], signer: generations.active.ra });
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
