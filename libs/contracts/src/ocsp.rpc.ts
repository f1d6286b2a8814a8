import { z } from 'zod';
import { defineRpc } from './rpc-contract';
import { base64, uuid } from './primitives';

/** Largest OCSP request the gateway forwards (RFC 6960 requests are a few hundred octets; signed ones a few KiB). */
export const OCSP_REQUEST_MAX_BYTES = 16 * 1024;

/**
 * gateway -> policy-service: answer an OCSP request (RFC 6960) about certificates of one tenant's CA, signed by the
 * CA's delegated responder (docs/adr/010-revocation-crl-ocsp.md). The policy service reads the request and every
 * status itself: the gateway only says which CA's responder URL the request came to.
 */
export const OcspRespond = defineRpc(
  'ocsp.respond',
  z.object({
    tenantId: uuid,
    caId: uuid,
    /** The OCSPRequest DER as the client sent it. */
    requestDer: base64.max(Math.ceil(OCSP_REQUEST_MAX_BYTES / 3) * 4),
  }),
  z.discriminatedUnion('result', [
    /** A signed BasicOCSPResponse; cacheable by the gateway until `cacheUntil` unless the request had a nonce. */
    z.object({ result: z.literal('response'), responseDer: base64, thisUpdate: z.string(), nextUpdate: z.string(), cacheUntil: z.string() }),
    /** An unsigned error status (RFC 6960 §4.2.1) and why, for the gateway's log. */
    z.object({ result: z.literal('refused'), status: z.enum(['malformedRequest', 'unauthorized', 'tryLater', 'internalError']), reason: z.string().max(200) }),
  ]),
);
