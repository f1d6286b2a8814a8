import { type Job, type JobsOptions, type Queue, UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import { AllJobs, type JobContract, type QueueName } from '@scep/contracts';

export interface JobHandler {
  readonly contract: JobContract<z.ZodType, z.ZodType>;
  readonly handle: (payload: unknown, job: Job) => Promise<unknown>;
}

/** Binds a handler to a job contract; the payload arrives validated and typed. */
export function jobHandler<P extends z.ZodType, R extends z.ZodType>(
  contract: JobContract<P, R>,
  handle: (payload: z.output<P>, job: Job) => Promise<z.input<R>>,
): JobHandler {
  return { contract, handle: handle as JobHandler['handle'] };
}

/**
 * The processor of one queue. Construction fails (at startup) unless every job of the queue has exactly one
 * handler and no handler serves a job of another queue. An invalid payload is a permanent failure (not retried).
 */
export function jobDispatcher(queue: QueueName, handlers: readonly JobHandler[]): (job: Job) => Promise<unknown> {
  const expected = AllJobs.filter((j) => j.queue === queue).map((j) => j.name);
  const byName = new Map<string, JobHandler>();
  for (const handler of handlers) {
    if (handler.contract.queue !== queue) throw new Error(`job ${handler.contract.name} belongs to ${handler.contract.queue}, not ${queue}`);
    if (byName.has(handler.contract.name)) throw new Error(`job ${handler.contract.name} has two handlers`);
    byName.set(handler.contract.name, handler);
  }
  const missing = expected.filter((name) => !byName.has(name));
  if (missing.length) throw new Error(`queue ${queue}: no handler for ${missing.join(', ')}`);

  return async (job: Job) => {
    const handler = byName.get(job.name);
    if (!handler) throw new UnrecoverableError(`unknown job ${job.name}`);
    const payload = handler.contract.payload.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`invalid ${job.name} payload`);
    const result = await handler.handle(payload.data, job);
    return handler.contract.result.parse(result);
  };
}

/** Adds a job after validating its payload against the contract (the producer half of the contract check). */
export async function addJob<P extends z.ZodType, R extends z.ZodType>(
  queue: Queue,
  contract: JobContract<P, R>,
  payload: z.input<P>,
  options: JobsOptions & { jobId: string },
): Promise<Job> {
  if (queue.name !== contract.queue) throw new Error(`job ${contract.name} does not belong to queue ${queue.name}`);
  return queue.add(contract.name, contract.payload.parse(payload), options);
}

/** Reads a finished job's result through its contract. */
export function jobResult<P extends z.ZodType, R extends z.ZodType>(contract: JobContract<P, R>, value: unknown): z.output<R> {
  return contract.result.parse(value);
}

/** Whether a failed job will not be retried again. */
export function isFinalFailure(job: Job, error: Error): boolean {
  return error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}
