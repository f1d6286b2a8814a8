import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OCSP_REQUEST_MAX_BYTES } from '@scep/contracts';
import type { OcspAnswer, OcspResponses } from './ocsp-responses';

const logger = new Logger('OcspRoutes');

type Params = { tenantId: string; caId: string };

/**
 * The OCSP responder URL written into issued certificates (authorityInfoAccess): `/ocsp/{tenantId}/{caId}`, per
 * RFC 6960 Appendix A.1 — POST with the DER request as the body (any Content-Type; `application/ocsp-request` is the
 * right one), or GET with the base64 of the request, URL-encoded, as the rest of the path. Registered on Fastify
 * directly (like the SCEP routes): this is a hot path answered mostly from memory.
 */
export function registerOcspRoutes(fastify: FastifyInstance, responses: OcspResponses): void {
  const send = async (reply: FastifyReply, answer: OcspAnswer) =>
    reply.code(answer.status).headers(answer.headers).header('content-type', answer.contentType).send(answer.body);
  const options = { errorHandler: plainTextError, bodyLimit: OCSP_REQUEST_MAX_BYTES };

  fastify.route<{ Params: Params }>({
    method: 'POST',
    url: '/ocsp/:tenantId/:caId',
    ...options,
    handler: async (req, reply) => send(reply, await responses.answer(req.params.tenantId, req.params.caId, Buffer.isBuffer(req.body) ? req.body : undefined)),
  });
  fastify.route<{ Params: Params }>({
    method: 'GET',
    url: '/ocsp/:tenantId/:caId/*',
    ...options,
    handler: async (req, reply) => send(reply, await responses.answer(req.params.tenantId, req.params.caId, getRequestDer(req.raw.url ?? ''))),
  });
  const notAllowed = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply.code(405).header('allow', 'GET, POST').header('content-type', 'text/plain').send(Buffer.from('method not allowed\n'));
  fastify.route({ method: ['PUT', 'DELETE', 'PATCH'], url: '/ocsp/:tenantId/:caId', ...options, handler: notAllowed });
  fastify.route({ method: ['POST', 'PUT', 'DELETE', 'PATCH'], url: '/ocsp/:tenantId/:caId/*', ...options, handler: notAllowed });
}

/**
 * The request of a GET: everything after /ocsp/{tenantId}/{caId}/ in the raw URL (the base64 may itself contain
 * '/', and '+' must not turn into a space), percent-decoded, base64-decoded. Undefined when it is not base64.
 */
export function getRequestDer(rawUrl: string): Buffer | undefined {
  const path = rawUrl.split('?', 1)[0] ?? '';
  const match = /^\/+ocsp\/+[^/]+\/+[^/]+\/+(.*)$/.exec(path);
  if (!match?.[1]) return undefined;
  let text: string;
  try {
    text = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  const compact = text.replace(/\s+/g, '');
  if (compact.length > (OCSP_REQUEST_MAX_BYTES * 4) / 3 + 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

/** Errors outside an OCSP answer: a short text (413 for an oversize body), 500 only for bugs (logged). */
function plainTextError(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status >= 500) logger.error({ err: { name: error.name, message: error.message } }, 'unhandled error');
  const text = status === 413 ? 'request body too large' : status < 500 ? 'bad request' : 'internal error';
  void reply.code(status).header('content-type', 'text/plain').send(Buffer.from(`${text}\n`));
}
