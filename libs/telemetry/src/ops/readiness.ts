import { Injectable } from '@nestjs/common';
import { FreshValue } from './fresh-value';

/** One dependency check: resolves when the dependency answers, rejects (or hangs) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

export type CheckResult = 'ok' | 'failed' | 'timeout';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, CheckResult>;
}

/** A check's answer is reused this long: a storm of probes costs each dependency at most one check per second. */
export const READINESS_CACHE_MS = 1000;
/**
 * A check still unanswered after this long is abandoned and the next probe starts another: a connection attempt
 * that hangs must not keep a recovered dependency "timeout" for long, and an outage costs at most one pending check
 * per dependency every few seconds.
 */
const ABANDON_AFTER_MS = 5000;

/**
 * What the service needs to do its work (PostgreSQL, Redis, NATS …), checked on readiness probes: every check in
 * parallel, each bounded by the probe's timeout, at most one in flight per dependency, answers reused for a second.
 */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, FreshValue<'ok' | 'failed'>>();

  register(name: string, check: ReadinessCheck, cacheMs = READINESS_CACHE_MS): void {
    const read = () => check().then(() => 'ok' as const, () => 'failed' as const);
    this.checks.set(name, new FreshValue(read, { maxAgeMs: cacheMs, abandonAfterMs: Math.max(ABANDON_AFTER_MS, cacheMs) }));
  }

  /** The dependencies registered, by name. */
  get names(): string[] {
    return [...this.checks.keys()];
  }

  /** Runs every check in parallel, each bounded by `timeoutMs`. */
  async report(timeoutMs: number): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, (await check.get(timeoutMs))?.value ?? 'timeout'] as const),
    );
    return { ready: entries.every(([, result]) => result === 'ok'), checks: Object.fromEntries(entries) };
  }
}
