import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Queues } from '@scep/contracts';
import { ScrapeSource, ServiceMetrics, scrapeGauge } from '@scep/telemetry';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

interface QueueSnapshot {
  readonly counts: Readonly<Record<string, number>>;
  /** When the oldest waiting job was added (ms since the epoch); undefined when none waits. */
  readonly oldestWaitingAt?: number;
}

/**
 * The signer's queue as the policy service (its only producer) sees it, read from Redis when Prometheus scrapes —
 * at most once every few seconds, bounded by a timeout, never per request: scep_signing_queue_jobs{state} and
 * scep_signing_queue_oldest_job_age_seconds (0 when nothing waits). KEDA scales the signer on the waiting count
 * (docs/operations/runbook.md, "Scaling the signer").
 */
@Injectable()
export class SigningQueueMetrics {
  constructor(metrics: ServiceMetrics, @InjectQueue(Queues.certificateSigning) queue: Queue) {
    const source = new ScrapeSource<QueueSnapshot>(
      async () => {
        const [counts, [oldest]] = await Promise.all([queue.getJobCounts(...STATES), queue.getJobs(['waiting'], 0, 0, true)]);
        return { counts, oldestWaitingAt: oldest?.timestamp };
      },
      { maxAgeMs: 5000, timeoutMs: 2000 },
    );
    scrapeGauge({
      name: 'scep_signing_queue_jobs',
      help: 'Signing jobs in the signer’s queue by state (waiting, active, delayed: retry backoff, failed: kept a week).',
      labelNames: ['state'] as const,
      registry: metrics.registry,
      source,
      show: (gauge, snapshot) => {
        for (const state of STATES) gauge.set({ state }, snapshot.counts[state] ?? 0);
      },
    });
    scrapeGauge({
      name: 'scep_signing_queue_oldest_job_age_seconds',
      help: 'Age of the oldest waiting signing job; 0 when none waits.',
      labelNames: [],
      registry: metrics.registry,
      source,
      show: (gauge, snapshot, now) => gauge.set(snapshot.oldestWaitingAt === undefined ? 0 : Math.max(0, (now.getTime() - snapshot.oldestWaitingAt) / 1000)),
    });
  }
}
