import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Attribute keys that may carry secrets or whole pkiMessages (GET query strings) and are rewritten before export. */
const QUERY_BEARING = new Set(['http.target', 'http.url', 'url.full', 'url.query', 'http.route.query']);
const SECRET_KEY = /(challenge|password|secret|authorization|api[-_.]?key|private|kek|token)/i;

function stripQuery(value: string): string {
  const q = value.indexOf('?');
  return q === -1 ? value : `${value.slice(0, q)}?[redacted]`;
}

/** Removes query strings and secret-looking attributes; used as the last step before any exporter. */
export function scrubAttributes(attributes: Record<string, unknown>): void {
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (key === 'url.query') {
      attributes[key] = '[redacted]';
    } else if (QUERY_BEARING.has(key) && typeof value === 'string') {
      attributes[key] = stripQuery(value);
    } else if (SECRET_KEY.test(key)) {
      attributes[key] = '[redacted]';
    }
  }
}

/**
 * Wraps the exporting processor: every span's attributes and event attributes are scrubbed on end, so that no
 * instrumentation (HTTP targets with `message=`, headers) can leak a secret into a trace backend.
 */
export class ScrubbingSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    scrubAttributes(span.attributes as Record<string, unknown>);
    for (const event of span.events) {
      if (event.attributes) scrubAttributes(event.attributes as Record<string, unknown>);
    }
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
