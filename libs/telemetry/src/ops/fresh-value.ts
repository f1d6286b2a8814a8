export interface FreshValueOptions {
  /** A value read this recently is answered without reading again. */
  readonly maxAgeMs: number;
  /**
   * A read still unanswered after this long is given up on and the next caller starts another (a hung connection
   * attempt must not stop the value from ever being read again). At least the callers' timeouts.
   */
  readonly abandonAfterMs: number;
}

/**
 * A value read from a dependency on demand — a readiness check, a gauge computed at scrape time — with two bounds a
 * burst of callers cannot break: at most one read in flight (callers share it), and none at all while the last
 * answer is younger than `maxAgeMs`. Each caller waits at most its own timeout.
 */
export class FreshValue<T> {
  private last?: { readonly value: T; readonly at: number };
  private inFlight?: { readonly promise: Promise<T>; readonly startedAt: number };

  constructor(
    private readonly read: () => Promise<T>,
    private readonly options: FreshValueOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The value, read now if the last one is stale; `undefined` if no read answered within `timeoutMs`. */
  async get(timeoutMs: number): Promise<{ readonly value: T } | undefined> {
    const now = this.now();
    if (this.last && now - this.last.at < this.options.maxAgeMs) return { value: this.last.value };
    if (!this.inFlight || now - this.inFlight.startedAt >= this.options.abandonAfterMs) this.start(now);
    const promise = (this.inFlight as { promise: Promise<T> }).promise;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([promise.then((value) => ({ value })), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last value read, however old (undefined before the first answer). */
  lastKnown(): T | undefined {
    return this.last?.value;
  }

  private start(now: number): void {
    const entry = {
      startedAt: now,
      promise: Promise.resolve()
        .then(() => this.read())
        .then((value) => {
          // An abandoned read that answers late is still the newest news, unless a later read already answered.
          if (!this.last || this.last.at <= entry.startedAt) this.last = { value, at: this.now() };
          if (this.inFlight === entry) this.inFlight = undefined;
          return value;
        }),
    };
    // A rejected read is the caller's to map (readiness maps it to "failed"); never an unhandled rejection here.
    entry.promise.catch(() => {
      if (this.inFlight === entry) this.inFlight = undefined;
    });
    this.inFlight = entry;
  }
}
