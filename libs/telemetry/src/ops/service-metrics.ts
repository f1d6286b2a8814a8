import { Injectable } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus registry of one service process: Node's and the process's default metrics under their standard
 * names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …, so that standard dashboards find them), plus
 * whatever the service registers. A registry per app, not the global one: several apps may share a test process.
 */
@Injectable()
export class ServiceMetrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
