import type { EventEmitter } from 'node:events';
import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Job, Queue, QueueEvents } from 'bullmq';
import { type JobResult, Queues, SignCertificate } from '@scep/contracts';
import { jobResult, transportConfig } from '@scep/transport';

export type SigningWaitResult =
  | { readonly kind: 'completed'; readonly result: JobResult<typeof SignCertificate> }
  | { readonly kind: 'failed' }
  | { readonly kind: 'timeout' };

/**
 * Waits for a signing job by id, up to the profile's sync-wait (then the device gets PENDING and polls).
 * One QueueEvents stream per process, no polling loop per request; the job's state is checked once after
 * subscribing, so a job that finished before the wait began is not missed.
 */
@Injectable()
export class SigningJobWaiter implements OnModuleInit, OnApplicationShutdown {
  private readonly config = transportConfig();
  private readonly connection = { url: this.config.REDIS_URL, maxRetriesPerRequest: null };
  private readonly queue = new Queue(Queues.certificateSigning, { connection: this.connection, prefix: this.config.REDIS_PREFIX });
  private readonly events = new QueueEvents(Queues.certificateSigning, { connection: this.connection, prefix: this.config.REDIS_PREFIX });

  async onModuleInit(): Promise<void> {
    this.events.setMaxListeners(100_000);
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.events.close(), this.queue.close()]);
  }

  wait(jobId: string, timeoutMs: number): Promise<SigningWaitResult> {
    // Per-job events (`completed:<id>`) are emitted by QueueEvents but absent from its typed listener map.
    const events = this.events as unknown as EventEmitter;
    return new Promise<SigningWaitResult>((resolve) => {
      let settled = false;
      const completedEvent = `completed:${jobId}`;
      const failedEvent = `failed:${jobId}`;
      const finish = (result: SigningWaitResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        events.off(completedEvent, onCompleted);
        events.off(failedEvent, onFailed);
        resolve(result);
      };
      const onCompleted = (args: { returnvalue: unknown }) => finish(this.completed(args.returnvalue));
      const onFailed = () => finish({ kind: 'failed' });
      events.on(completedEvent, onCompleted);
      events.on(failedEvent, onFailed);
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
      void this.checkOnce(jobId).then((result) => result && finish(result), () => undefined);
    });
  }

  private async checkOnce(jobId: string): Promise<SigningWaitResult | undefined> {
    // State first, result second: reading the job first could see it active (no result yet) and completed a moment
    // later, and report a completed job without its certificate (regression seen under load).
    const state = await this.queue.getJobState(jobId);
    if (state === 'failed') return { kind: 'failed' };
    if (state !== 'completed') return undefined;
    const job = await Job.fromId(this.queue, jobId);
    return job ? this.completed(job.returnvalue) : undefined;
  }

  private completed(value: unknown): SigningWaitResult {
    try {
      return { kind: 'completed', result: jobResult(SignCertificate, value) };
    } catch {
      return { kind: 'failed' };
    }
  }
}
