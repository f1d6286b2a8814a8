import { Injectable } from '@nestjs/common';

/** One dependency check: resolves when the dependency answers, rejects (or times out) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, 'ok' | 'failed' | 'timeout'>;
}

/** What the service needs to do its work (PostgreSQL, Redis, NATS …), checked on each readiness probe. */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Runs every check in parallel, each bounded by `timeoutMs`. */
  async report(timeoutMs: number): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
        const result = await Promise.race([check().then(() => 'ok' as const, () => 'failed' as const), timeout]);
        clearTimeout(timer);
        return [name, result] as const;
      }),
    );
    return { ready: entries.every(([, r]) => r === 'ok'), checks: Object.fromEntries(entries) };
  }
}
