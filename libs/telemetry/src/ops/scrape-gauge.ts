import { Gauge, type Registry } from 'prom-client';
import { FreshValue } from './fresh-value';

/**
 * What scrape-time gauges show, read from its source (the database, the queue) when Prometheus scrapes — not on any
 * request path: at most once per `maxAgeMs` and by one read at a time, a scrape waiting for it at most `timeoutMs`.
 * When the source does not answer (or fails) the last answer is shown again: time-derived values such as "seconds
 * until notAfter" still move, and the readiness probe is what reports the source down. Several gauges may share
 * one source (one read for all of them).
 */
export class ScrapeSource<T> {
  private readonly value: FreshValue<T>;

  constructor(
    read: () => Promise<T>,
    private readonly options: { readonly maxAgeMs: number; readonly timeoutMs: number },
  ) {
    this.value = new FreshValue(read, { maxAgeMs: options.maxAgeMs, abandonAfterMs: Math.max(options.maxAgeMs, options.timeoutMs * 5) });
  }

  /** The value to show now: a fresh read, else the last one (undefined before the first read answered). */
  async current(): Promise<T | undefined> {
    const fresh = await this.value.get(this.options.timeoutMs).catch(() => undefined);
    return fresh ? fresh.value : this.value.lastKnown();
  }
}

export interface ScrapeGaugeOptions<L extends string, T> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registry: Registry;
  /** Where its value comes from: a source (possibly shared), or a read with its bounds. */
  readonly source: ScrapeSource<T> | { readonly read: () => Promise<T>; readonly maxAgeMs: number; readonly timeoutMs: number };
  /** Sets every series from the source's value, at each scrape (the gauge was reset just before). */
  readonly show: (gauge: Gauge<L>, value: T, now: Date) => void;
}

/** A gauge computed at scrape time (prom-client's collect) from a ScrapeSource; series gone from the source go too. */
export function scrapeGauge<L extends string, T>(options: ScrapeGaugeOptions<L, T>): Gauge<L> {
  const source = options.source instanceof ScrapeSource ? options.source : new ScrapeSource(options.source.read, options.source);
  return new Gauge<L>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames,
    registers: [options.registry],
    async collect() {
      const value = await source.current();
      if (value === undefined) return;
      this.reset();
      options.show(this, value, new Date());
    },
  });
}
