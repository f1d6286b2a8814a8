import { Histogram } from 'prom-client';
import type { ServiceMetrics } from '@scep/telemetry';
import { RpcUnavailableError } from './rpc-errors';

/** How an RPC call ended: answered, refused or failed remotely (or outside its contract), or not answered at all. */
export type RpcOutcome = 'ok' | 'error' | 'unavailable';

export const RPC_CLIENT_DURATION = 'scep_rpc_client_duration_seconds';

/** An enrollment call waits for its certificate up to the profile's sync-wait (up to a minute). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * scep_rpc_client_duration_seconds{method, outcome}: every call of this process's RPC clients, by contract name (a
 * closed set: the contracts of libs/contracts) and outcome. The children of a method are bound on its first call, so
 * a call observes without building a label object.
 */
export class RpcClientMetrics {
  private readonly histogram: Histogram<'method' | 'outcome'>;
  private readonly byMethod = new Map<string, Record<RpcOutcome, { observe(seconds: number): void }>>();

  constructor(metrics: ServiceMetrics) {
    this.histogram = metrics.shared(
      RPC_CLIENT_DURATION,
      (registry) =>
        new Histogram({
          name: RPC_CLIENT_DURATION,
          help: 'Round trip of RPC calls made by this process, by contract and outcome (ok; error: refused, failed remotely or outside the contract; unavailable: no answer in time).',
          labelNames: ['method', 'outcome'] as const,
          buckets: BUCKETS,
          registers: [registry],
        }),
    );
  }

  observe(method: string, outcome: RpcOutcome, seconds: number): void {
    let bound = this.byMethod.get(method);
    if (!bound) {
      bound = { ok: this.histogram.labels(method, 'ok'), error: this.histogram.labels(method, 'error'), unavailable: this.histogram.labels(method, 'unavailable') };
      this.byMethod.set(method, bound);
    }
    bound[outcome].observe(seconds);
  }
}

/** The outcome label of a call that threw. */
export function rpcOutcomeOf(error: unknown): RpcOutcome {
  return error instanceof RpcUnavailableError ? 'unavailable' : 'error';
}
