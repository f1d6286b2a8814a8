import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { ServiceMetrics } from '@scep/telemetry';
import type { ScepEndpoint } from '../endpoints/scep-endpoint';
import { FAIL_INFO_LABELS, MESSAGE_TYPE_LABELS, OPERATION_LABELS, PKI_STATUS_LABELS, type ScepExchange } from './scep-exchange';

/** From a cached GetCACaps (well under a millisecond) to a PKIOperation that waited the profile's sync-wait. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export type ThrottleReason = 'locked' | 'failure_budget';

interface Child {
  inc(): void;
}
interface TimingChild {
  observe(seconds: number): void;
}

/** The bound children of one tenant/profile (or of all, with METRICS_TENANT_LABELS=false). */
class EndpointSeries {
  private readonly counts = new Map<number, Child>();
  private readonly timings = new Map<number, TimingChild>();

  constructor(
    private readonly metrics: ScepMetrics,
    private readonly tenantValues: readonly string[],
  ) {}

  record(exchange: ScepExchange, httpStatus: number, seconds: number | undefined): void {
    const timingKey = exchange.operation * MESSAGE_TYPE_LABELS.length + exchange.messageType;
    const countKey = ((timingKey * PKI_STATUS_LABELS.length + exchange.pkiStatus) * FAIL_INFO_LABELS.length + exchange.failInfo) * 1000 + httpStatus;
    let count = this.counts.get(countKey);
    if (!count) {
      count = this.metrics.requestsChild(exchange, String(httpStatus), this.tenantValues);
      this.counts.set(countKey, count);
    }
    count.inc();
    if (seconds === undefined) return;
    let timing = this.timings.get(timingKey);
    if (!timing) {
      timing = this.metrics.durationChild(exchange, this.tenantValues);
      this.timings.set(timingKey, timing);
    }
    timing.observe(seconds);
  }
}

/**
 * The gateway's request metrics (docs/operations/service-interfaces.md, "Metrics"): scep_requests_total by operation,
 * messageType, pkiStatus, failInfo, HTTP status (and tenant/profile), scep_request_duration_seconds, and
 * scep_requests_throttled_total. Every label comes from a closed set or from a known endpoint's slugs — never from
 * the raw path — so unknown URLs cannot add series. The hot path binds each label combination once (prom-client
 * children per endpoint object, found by a number): recording a request builds no label object.
 */
@Injectable()
export class ScepMetrics {
  private readonly requests: Counter<string>;
  private readonly duration: Histogram<string>;
  private readonly throttles: Record<ThrottleReason, Child>;
  private readonly byEndpoint = new WeakMap<ScepEndpoint, EndpointSeries>();
  /** Requests with no known endpoint (unknown tenant/profile, refused before routing), and every request without tenant labels. */
  private readonly shared: EndpointSeries;

  constructor(private readonly service: ServiceMetrics) {
    const registry = service.registry;
    this.requests = new Counter({
      name: 'scep_requests_total',
      help: 'SCEP requests answered, by operation, PKIOperation messageType, CertRep pkiStatus and failInfo ("none" where there is none) and HTTP status.',
      labelNames: service.tenants.names(['operation', 'message_type', 'pki_status', 'fail_info', 'http_status']),
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'scep_request_duration_seconds',
      help: 'Time from the routed request (body read) to its answer, by operation and PKIOperation messageType.',
      labelNames: service.tenants.names(['operation', 'message_type']),
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    const throttled = new Counter({
      name: 'scep_requests_throttled_total',
      help: 'PKIOperations answered HTTP 429 before any RSA work: client locked out of the profile (locked) or over its budget of FAILURE replies (failure_budget).',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.throttles = { locked: throttled.labels('locked'), failure_budget: throttled.labels('failure_budget') };
    throttled.inc({ reason: 'locked' }, 0);
    throttled.inc({ reason: 'failure_budget' }, 0);
    this.shared = new EndpointSeries(this, service.tenants.enabled ? ['', ''] : []);
  }

  /** One answered request: its facts, HTTP status and the seconds it took (undefined: refused before routing, not timed). */
  record(exchange: ScepExchange, httpStatus: number, seconds: number | undefined): void {
    this.seriesOf(exchange.endpoint).record(exchange, httpStatus, seconds);
  }

  throttled(reason: ThrottleReason): void {
    this.throttles[reason].inc();
  }

  /** @internal EndpointSeries binds its children through these. */
  requestsChild(exchange: ScepExchange, httpStatus: string, tenantValues: readonly string[]): Child {
    return this.requests.labels(
      OPERATION_LABELS[exchange.operation] ?? 'none',
      MESSAGE_TYPE_LABELS[exchange.messageType] ?? 'none',
      PKI_STATUS_LABELS[exchange.pkiStatus] ?? 'none',
      FAIL_INFO_LABELS[exchange.failInfo] ?? 'none',
      httpStatus,
      ...tenantValues,
    );
  }

  /** @internal */
  durationChild(exchange: ScepExchange, tenantValues: readonly string[]): TimingChild {
    return this.duration.labels(OPERATION_LABELS[exchange.operation] ?? 'none', MESSAGE_TYPE_LABELS[exchange.messageType] ?? 'none', ...tenantValues);
  }

  private seriesOf(endpoint: ScepEndpoint | undefined): EndpointSeries {
    if (!endpoint || !this.service.tenants.enabled) return this.shared;
    let series = this.byEndpoint.get(endpoint);
    if (!series) {
      series = new EndpointSeries(this, [endpoint.tenantSlug, endpoint.profileSlug]);
      this.byEndpoint.set(endpoint, series);
    }
    return series;
  }
}
