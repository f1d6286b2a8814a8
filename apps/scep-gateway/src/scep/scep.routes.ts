import { Logger } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientAddressOf } from '../http/client-address';
import { ScepExchange } from '../metrics/scep-exchange';
import type { ScepMetrics } from '../metrics/scep-metrics';
import type { ScepHttpService } from './scep-http.service';
import { rawQueryOf } from './scep-request';

const tracer = trace.getTracer('scep-gateway');
const logger = new Logger('ScepRoutes');

/**
 * /scep/{tenant}/{profile} and any suffix after it: `/pkiclient.exe` (Cisco appends it), `/cgi-bin/pkiclient.exe`
 * (the RFC default) and whatever else clients hard-code (RFC 8894 §4.1). Both GET and POST.
 *
 * Registered on Fastify directly rather than as a Nest controller: this is the hot path, and Nest's per-request
 * pipeline (param factories, guards, interceptors, filters) cost about 60 µs per request for nothing we use here
 * (docs/adr/007-enrollment-path-v2.md). Each request is one SERVER span (its trace id is in the log lines) and one
 * count in the request metrics (ScepMetrics), whatever its answer — errors the handler throws and refusals before it
 * (an oversize body) included.
 */
export function registerScepRoutes(fastify: FastifyInstance, scep: ScepHttpService, metrics: ScepMetrics): void {
  /** Errors the handler already counted (thrown on to the error handler, which counts the others). */
  const counted = new WeakSet<object>();
  const handler = (req: FastifyRequest<{ Params: { tenant: string; profile: string } }>, reply: FastifyReply) =>
    tracer.startActiveSpan('SCEP request', { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': '/scep/{tenant}/{profile}' } }, async (span) => {
      const started = performance.now();
      const exchange = new ScepExchange();
      try {
        if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
          metrics.record(exchange, 405, (performance.now() - started) / 1000);
          return await reply.code(405).header('allow', 'GET, POST').type('text/plain').send(Buffer.from('method not allowed\n'));
        }
        const answer = await scep.handle(
          req.params.tenant,
          req.params.profile,
          {
            method: req.method === 'HEAD' ? 'GET' : req.method,
            rawQuery: rawQueryOf(req.raw.url ?? ''),
            body: Buffer.isBuffer(req.body) ? req.body : undefined,
            clientAddress: clientAddressOf(req.ip, req.socket.remoteAddress),
          },
          exchange,
        );
        span.setAttribute('http.response.status_code', answer.status);
        metrics.record(exchange, answer.status, (performance.now() - started) / 1000);
        return await reply
          .code(answer.status)
          .headers(answer.headers ?? {})
          .header('content-type', answer.contentType)
          .send(answer.body);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        if (!reply.sent && typeof error === 'object' && error !== null) {
          metrics.record(exchange, errorStatusOf(error as FastifyError), (performance.now() - started) / 1000);
          counted.add(error);
        }
        throw error;
      } finally {
        span.end();
      }
    });
  const errorHandler = (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (!counted.has(error)) metrics.record(new ScepExchange(), errorStatusOf(error), undefined);
    plainTextError(error, req, reply);
  };
  const options = { errorHandler, handler, onRequest: rawBodyWhateverTheType };
  fastify.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/scep/:tenant/:profile', ...options });
  fastify.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/scep/:tenant/:profile/*', ...options });
}

/**
 * Errors outside a CertRep are a short text/plain body (RFC 8894 §4.3 leaves them to HTTP): 413 for an oversize
 * body, other 4xx from the HTTP layer as is, 500 only for bugs (logged, never detailed to the client).
 */
function plainTextError(error: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = errorStatusOf(error);
  if (status >= 500) logger.error({ err: { name: error.name, message: error.message, stack: error.stack } }, 'unhandled error');
  const text = status === 413 ? 'request body too large' : status === 404 ? 'not found' : status < 500 ? 'bad request' : 'internal error';
  const send = () => void reply.code(status).header('content-type', 'text/plain').header('connection', 'close').send(Buffer.from(`${text}\n`));
  // An oversize body is refused before it is read. Answering while the client is still sending would close a
  // socket with unread data, which resets it, and the client would see a reset instead of the 413: read the rest
  // (bounded) and discard it, then answer.
  if (status === 413) discardBody(req, send);
  else send();
}

/** The status an error is answered with: a 4xx from the HTTP layer as is, anything else 500. */
function errorStatusOf(error: FastifyError): number {
  return typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
}

/** Bounds on reading an oversize body only to throw it away. */
const DISCARD_MAX_BYTES = 32 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;

function discardBody(req: FastifyRequest, then: () => void): void {
  const raw = req.raw;
  if (raw.readableEnded || raw.destroyed) return then();
  let done = false;
  let discarded = 0;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    raw.off('data', onData);
    then();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) finish();
  };
  const timer = setTimeout(finish, DISCARD_MAX_MS);
  raw.on('data', onData);
  raw.once('end', finish);
  raw.once('error', finish);
  raw.resume();
}

/**
 * The body of a PKIOperation POST is the binary pkiMessage whatever the request calls it (RFC 8894 §4.3; clients send
 * application/x-pki-message, application/octet-stream, form types, nothing, or a malformed value): the declared type
 * is replaced before Fastify reads it, so that no value — empty or unparseable included — turns into a 415.
 */
function rawBodyWhateverTheType(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (req.headers['content-type'] !== undefined) req.headers['content-type'] = 'application/octet-stream';
  done();
}
