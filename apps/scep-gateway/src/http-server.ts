import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PlainTextExceptionFilter } from './scep/plain-text-exception.filter';
import { type GatewayConfig, proxyTrustOf } from './gateway-config';
import { fastifyTrustProxy } from './http/client-address';
import { ScepMetrics } from './metrics/scep-metrics';
import { OcspResponses } from './ocsp/ocsp-responses';
import { registerOcspRoutes } from './ocsp/ocsp.routes';
import { ScepHttpService } from './scep/scep-http.service';
import { registerScepRoutes } from './scep/scep.routes';

/**
 * The HTTP server the devices talk to: large request lines for GET PKIOperation (§2.3), a capped raw body
 * whatever the Content-Type (sscep sends none, micromdm octet-stream, Apple x-pki-message; §2.4), duplicate
 * slashes tolerated, and short text errors instead of JSON.
 */
export function gatewayHttpAdapter(config: GatewayConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.SCEP_GATEWAY_MAX_BODY_BYTES,
    routerOptions: { maxParamLength: 256, ignoreDuplicateSlashes: true, ignoreTrailingSlash: true },
    trustProxy: fastifyTrustProxy(proxyTrustOf(config)),
    http: { maxHeaderSize: config.SCEP_GATEWAY_MAX_HEADER_BYTES },
    requestTimeout: 60_000,
    clientErrorHandler: plainTextClientError,
    // Router refusals (a %-escape that is not UTF-8, a path segment over maxParamLength): short text too, never
    // Fastify's JSON, which echoed the whole path back.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void reply.code(status).header('content-type', 'text/plain').send(Buffer.from(`${status === 414 ? 'path too long' : 'bad request'}\n`));
    },
  });
}

/**
 * Requests the HTTP parser refuses before routing (garbage request line, oversize URL or headers, broken chunking,
 * timeouts): the same short text/plain answer as every other error here, instead of Fastify's default JSON body.
 */
export function plainTextClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request timeout'] : error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'request line or headers too large'] : [400, 'bad request'];
  const body = `${text}\n`;
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

export function configureGatewayHttp(app: NestFastifyApplication, config: GatewayConfig): void {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.SCEP_GATEWAY_MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
  app.useGlobalFilters(new PlainTextExceptionFilter());
  registerScepRoutes(fastify, app.get(ScepHttpService), app.get(ScepMetrics));
  registerOcspRoutes(fastify, app.get(OcspResponses));
}
