import { type CustomStrategy, type NatsContext, ServerNats } from '@nestjs/microservices';
import { type Span, SpanKind, context, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@scep/telemetry';
import { natsConnectionOptions } from './nats-options';
import { transportConfig } from './transport-config';

const tracer = trace.getTracer('scep-rpc');

/**
 * The NATS microservice strategy every RPC-serving app uses. A queue group per service makes NATS deliver each
 * request to exactly one replica (docs/adr/001-rpc-transport.md). The processing hooks continue the caller's
 * trace from the NATS headers and wrap the handler in a SERVER span. Reconnects forever (natsConnectionOptions).
 */
export function rpcServerStrategy(serviceName: string): CustomStrategy {
  const config = transportConfig();
  const server = new ServerNats({
    ...natsConnectionOptions(serviceName),
    queue: `${config.RPC_NAMESPACE}.${serviceName}`,
    // On stop: unsubscribe (NATS routes new requests to other replicas), let in-flight handlers finish, then close.
    gracefulShutdown: true,
    gracePeriod: config.RPC_SHUTDOWN_GRACE_MS,
  });
  const spans = new WeakMap<object, Span>();
  server.setOnProcessingStartHook((_transport, rpcContext, done) => {
    const natsContext = rpcContext as NatsContext;
    const headers = natsContext.getHeaders() as { get(key: string): string } | undefined;
    const parent = extractTraceContext((key) => headers?.get(key) || undefined);
    const subject = natsContext.getSubject();
    const method = subject.startsWith(`${config.RPC_NAMESPACE}.`) ? subject.slice(config.RPC_NAMESPACE.length + 1) : subject;
    const span = tracer.startSpan(`rpc ${method}`, { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'nats', 'rpc.method': method } }, parent);
    spans.set(natsContext, span);
    return context.with(trace.setSpan(parent, span), done);
  });
  server.setOnProcessingEndHook((_transport, rpcContext) => {
    const span = spans.get(rpcContext as object);
    if (span) {
      spans.delete(rpcContext as object);
      span.end();
    }
  });
  return { strategy: server };
}
