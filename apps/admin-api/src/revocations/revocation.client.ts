import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Queue, QueueEvents } from 'bullmq';
import type { z } from 'zod';
import { type JobContract, JobIds, Queues } from '@scep/contracts';
import { addJob, jobResult, queuesConfig } from '@scep/queues';
import { adminConfig } from '../admin-config';
import { AdminError, INTERNAL_MESSAGE } from '../common/admin-error';

/**
 * Asks the signer — the owner of issued certificates and CRLs, which nobody may call directly — to revoke or release,
 * through the `certificate-revocation` queue, and waits for the result (the signer has issued the new CRLs by then).
 * Each request is its own job: a revocation is idempotent by the certificates' state, not by job id.
 */
@Injectable()
export class RevocationClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationClient.name);
  private readonly config = queuesConfig();
  private readonly timeoutMs = adminConfig().ADMIN_REVOCATION_TIMEOUT_MS;
  private readonly connection = { url: this.config.REDIS_URL, maxRetriesPerRequest: null };
  private readonly queue = new Queue(Queues.certificateRevocation, { connection: this.connection, prefix: this.config.REDIS_PREFIX });
  private readonly events = new QueueEvents(Queues.certificateRevocation, { connection: this.connection, prefix: this.config.REDIS_PREFIX });

  async onModuleInit(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.events.close(), this.queue.close()]);
  }

  async run<P extends z.ZodType, R extends z.ZodType>(contract: JobContract<P, R>, tenantId: string, payload: z.input<P>): Promise<z.output<R>> {
    const jobId = JobIds.revocation(tenantId, randomUUID());
    const job = await addJob(this.queue, contract, payload, {
      jobId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    let value: unknown;
    try {
      value = await job.waitUntilFinished(this.events, this.timeoutMs);
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (/timed out before finishing/.test(message)) {
        throw new AdminError('signer_timeout', 'the signer did not finish in time; the revocation may still complete, retry to see its result');
      }
      // The signer's text stays in the log: it may name hosts or SQL.
      this.logger.warn({ job: contract.name, jobId, reason: message.slice(0, 200) }, 'revocation job failed');
      throw new AdminError('internal', INTERNAL_MESSAGE);
    }
    return jobResult(contract, value);
  }
}
