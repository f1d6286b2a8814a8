import { context, propagation, type Context } from '@opentelemetry/api';

/** Writes the active trace context (W3C traceparent/tracestate) through `set`. */
export function injectTraceContext(set: (key: string, value: string) => void, ctx: Context = context.active()): void {
  propagation.inject(ctx, undefined, { set: (_carrier, key, value) => set(key, value) });
}

/** Reads a trace context through `get` (e.g. NATS headers, job data). */
export function extractTraceContext(get: (key: string) => string | undefined, keys: () => string[] = () => ['traceparent', 'tracestate']): Context {
  return propagation.extract(context.active(), undefined, {
    get: (_carrier, key) => get(key),
    keys: () => keys(),
  });
}
