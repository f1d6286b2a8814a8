import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Queue, QueueEvents } from 'bullmq';
import type { z } from 'zod';
import { type JobContract, Queues } from '@scep/contracts';
import { addJob, jobResult, queuesConfig } from '@scep/queues';
import { adminConfig } from '../admin-config';
import { AdminError } from '../common/admin-error';
import { signerRefusal } from './signer-refusal';

/**
 * Asks the signer (which nobody may call directly) to generate keys, through the `key-management` queue, and waits
 * for the result. Job ids are deterministic per object, so a retried request cannot create two CAs.
 */
@Injectable()
export class KeyManagementClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyManagementClient.name);
  private readonly config = queuesConfig();
  private readonly timeoutMs = adminConfig().ADMIN_KEYGEN_TIMEOUT_MS;
  private readonly connection = { url: this.config.REDIS_URL, maxRetriesPerRequest: null };
  private readonly queue = new Queue(Queues.keyManagement, { connection: this.connection, prefix: this.config.REDIS_PREFIX });
  private readonly events = new QueueEvents(Queues.keyManagement, { connection: this.connection, prefix: this.config.REDIS_PREFIX });

  async onModuleInit(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.events.close(), this.queue.close()]);
  }

  async run<P extends z.ZodType, R extends z.ZodType>(contract: JobContract<P, R>, payload: z.input<P>, jobId: string): Promise<z.output<R>> {
    const job = await addJob(this.queue, contract, payload, {
      jobId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    let value: unknown;
    try {
      value = await job.waitUntilFinished(this.events, this.timeoutMs);
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (/timed out before finishing/.test(message)) {
        throw new AdminError('signer_timeout', 'the signer did not finish in time; the request may still complete, retry to see its result');
      }
      // Known reason codes become our own answer; the signer's text itself stays in the log.
      const refusal = signerRefusal(contract.name, message);
      this.logger.warn({ job: contract.name, jobId, reason: message.slice(0, 200), answered: refusal.code }, 'signer job failed');
      throw refusal;
    }
    return jobResult(contract, value);
  }
}
