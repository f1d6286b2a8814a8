import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { ServiceMetrics } from '@scep/telemetry';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route label: the pattern the request matched (`/v1/tenants/:tenant/cas`), never the path itself. */
export function routeLabel(routePattern: string | undefined): string {
  return routePattern ?? 'unmatched';
}

/** The method label: the HTTP methods the API knows, anything else "other". */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'other';
}

/** 0.5 ms lookups to CA generation waiting for the signer (ADMIN_KEYGEN_TIMEOUT_MS, 120 s). */
const BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

/**
 * scep_admin_requests_total{route, method, status} and scep_admin_request_duration_seconds{route, method}: every
 * answer of the admin API — refusals by the API-key guard and unknown paths ("unmatched") included — observed in one
 * Fastify onResponse hook. Labels come from the route table and closed sets only, so no path, id or query becomes a
 * label value.
 */
@Injectable()
export class AdminHttpMetrics implements OnModuleInit {
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method'>;

  constructor(
    metrics: ServiceMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.requests = new Counter({
      name: 'scep_admin_requests_total',
      help: 'Admin API answers by route pattern, method and HTTP status.',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'scep_admin_request_duration_seconds',
      help: 'Admin API request duration (request received to response sent) by route pattern and method.',
      labelNames: ['route', 'method'] as const,
      buckets: BUCKETS,
      registers: [metrics.registry],
    });
  }

  /** Hooks are added before Fastify is ready (Nest's init); they apply to every route, those registered before too. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance() as FastifyInstance | undefined;
    fastify?.addHook('onResponse', async (request, reply) => this.observe(request, reply));
  }

  /** Public for tests. */
  observe(request: Pick<FastifyRequest, 'method' | 'routeOptions'>, reply: Pick<FastifyReply, 'statusCode' | 'elapsedTime'>): void {
    const route = routeLabel(request.routeOptions?.url);
    const method = methodLabel(request.method);
    this.requests.inc({ route, method, status: String(reply.statusCode) });
    this.duration.observe({ route, method }, reply.elapsedTime / 1000);
  }
}
