import { Gauge, type Registry } from 'prom-client';
import { FreshValue } from './fresh-value';

export interface ScrapeGaugeOptions<L extends string, T> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registry: Registry;
  /** Reads what the gauge shows from its source (the database, the queue): at most once per `maxAgeMs`, one at a time. */
  readonly read: () => Promise<T>;
  /** Sets every series from the last read, at each scrape (the gauge was reset just before). */
  readonly show: (gauge: Gauge<L>, value: T, now: Date) => void;
  readonly maxAgeMs: number;
  /** How long a scrape waits for a read; past it (or if the read fails) the last read is shown again. */
  readonly timeoutMs: number;
}

/**
 * A gauge computed when Prometheus scrapes (prom-client's collect), not on any request path: its source is read at
 * most once per `maxAgeMs` by one read at a time, a scrape waits for it at most `timeoutMs`, and when the source does
 * not answer the last answer is shown again (time-derived values such as "seconds until notAfter" still move; the
 * readiness probe is what reports the source down). Series that disappear from the source disappear from the gauge.
 */
export function scrapeGauge<L extends string, T>(options: ScrapeGaugeOptions<L, T>): Gauge<L> {
  const source = new FreshValue(options.read, { maxAgeMs: options.maxAgeMs, abandonAfterMs: Math.max(options.maxAgeMs, options.timeoutMs * 5) });
  return new Gauge<L>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames,
    registers: [options.registry],
    async collect() {
      const fresh = await source.get(options.timeoutMs).catch(() => undefined);
      const value = fresh ? fresh.value : source.lastKnown();
      if (value === undefined) return;
      this.reset();
      options.show(this, value, new Date());
    },
  });
}
