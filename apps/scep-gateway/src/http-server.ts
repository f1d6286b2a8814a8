import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { PlainTextExceptionFilter } from './scep/plain-text-exception.filter';
import type { GatewayConfig } from './gateway-config';

/**
 * The HTTP server the devices talk to: large request lines for GET PKIOperation (§2.3), a capped raw body
 * whatever the Content-Type (sscep sends none, micromdm octet-stream, Apple x-pki-message; §2.4), duplicate
 * slashes tolerated, and short text errors instead of JSON.
 */
export function gatewayHttpAdapter(config: GatewayConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.SCEP_GATEWAY_MAX_BODY_BYTES,
    routerOptions: { maxParamLength: 256, ignoreDuplicateSlashes: true, ignoreTrailingSlash: true },
    trustProxy: config.SCEP_GATEWAY_TRUST_PROXY === 'true',
    http: { maxHeaderSize: config.SCEP_GATEWAY_MAX_HEADER_BYTES },
    requestTimeout: 60_000,
  });
}

export function configureGatewayHttp(app: NestFastifyApplication, config: GatewayConfig): void {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.SCEP_GATEWAY_MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
  app.useGlobalFilters(new PlainTextExceptionFilter());
}
