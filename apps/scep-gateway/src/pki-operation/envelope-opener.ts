import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { FailInfo, type OpenedEnvelope, openEnvelope } from '@scep/codec';
import { LRUCache } from 'lru-cache';
import { liveGenerations } from '../endpoints/scep-endpoint';
import { gatewayConfig } from '../gateway-config';
import { RequestRefused, type VerifiedRequest, refusal } from './verified-request';

interface Opened {
  readonly envelope: OpenedEnvelope;
  readonly caId: string;
}

/** How long an opened envelope is remembered (clients resend while PENDING: micromdm every 30 s, certmonger later). */
const OPENED_TTL_MS = 15 * 60_000;

/**
 * Opens the pkcsPKIEnvelope with whichever live RA it was encrypted to (active, announced next or retired; RFC 8894
 * §4.7) and remembers that generation for the reply. Every decryption failure is one answer: no padding oracle.
 *
 * Byte-identical envelopes — the resends scepclient and certmonger send while PENDING — are opened once: the result
 * is kept (bounded, in memory only, for 15 minutes) under the SHA-256 of the envelope and the RA that opened it, so a
 * resend costs no RSA decryption; it still goes to the policy service for the transaction's current state.
 */
@Injectable()
export class EnvelopeOpener {
  private readonly opened = new LRUCache<string, Opened>({ max: gatewayConfig().SCEP_GATEWAY_OPENED_ENVELOPES, ttl: OPENED_TTL_MS });

  open(request: VerifiedRequest): OpenedEnvelope {
    const { message, endpoint } = request;
    if (!message.content) throw new RequestRefused(FailInfo.BadRequest, 'no pkcsPKIEnvelope');
    const generations = liveGenerations(endpoint);
    const key = `${endpoint.tenantId}/${endpoint.profileId}/${createHash('sha256').update(message.content).digest('base64')}`;
    const known = this.opened.get(key);
    const knownGeneration = known && generations.find((g) => g.caId === known.caId);
    if (known && knownGeneration && endpoint.contentCiphers.includes(known.envelope.contentCipher)) {
      request.replyAs.generation = knownGeneration;
      return known.envelope;
    }
    let envelope: OpenedEnvelope;
    try {
      // The profile's content ciphers are checked first, from the envelope's header: a refused cipher (badAlg)
      // costs no RSA work.
      envelope = openEnvelope(
        message.content,
        generations.map((g) => g.ra),
        { allowedCiphers: endpoint.contentCiphers },
      );
    } catch (error) {
      throw refusal(error, FailInfo.BadRequest);
    }
    const generation = generations.find((g) => g.ra.certificate === envelope.recipient.certificate);
    request.replyAs.generation = generation;
    if (generation) this.opened.set(key, { envelope, caId: generation.caId });
    return envelope;
  }
}
