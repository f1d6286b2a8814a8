import { Injectable } from '@nestjs/common';
import { ContentTypes, type Capability, decodeGetMessageParam, renderCapabilities } from '@scep/codec';
import { RpcUnavailableError } from '@scep/transport';
import { ScepEndpointCache } from '../endpoints/scep-endpoint.cache';
import { PkiOperationService } from './pki-operation.service';
import { type ScepReply, textReply } from './scep-reply';
import { type ScepRequest, operationOf } from './scep-request';

/**
 * What we advertise is exactly what works (scep-protocol.md §3). `Renewal` and `GetNextCACert` follow when
 * renewal and rollover are implemented.
 */
const CAPABILITIES: Capability[] = ['AES', 'DES3', 'POSTPKIOperation', 'SHA-1', 'SHA-256', 'SHA-512', 'SCEPStandard'];
const CAPS_BODY = Buffer.from(renderCapabilities(CAPABILITIES));

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

    switch (operation) {
      case 'GetCACaps':
        return { status: 200, contentType: ContentTypes.caps, body: CAPS_BODY };
      case 'GetCACert':
        // `message=` is a CA identifier clients fill with anything (§2.2): ignored, never an error.
        return { status: 200, contentType: ContentTypes.caRaCert, body: endpoint.caCertBag };
      case 'GetNextCACert':
        return textReply(404, 'no next CA configured');
      case 'PKIOperation': {
        const message = request.method === 'POST' ? request.body : decodeGetMessageParam(request.rawQuery);
        if (!message || message.length === 0) return textReply(400, request.method === 'POST' ? 'empty body' : 'missing or undecodable message');
        return this.pkiOperation.handle(endpoint, message, request.clientAddress);
      }
    }
  }
}
