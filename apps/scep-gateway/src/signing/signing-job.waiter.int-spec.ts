import { testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Queues, SignCertificate } from '@scep/contracts';
import { deleteRedisPrefix } from '@scep/testing';
import { SigningJobWaiter } from './signing-job.waiter';

const connection = { url: process.env.REDIS_URL, maxRetriesPerRequest: null };
const result = { certificateDer: 'AAEC', serialHex: '0A', notAfter: '2030-01-01T00:00:00.000Z' };

describe('SigningJobWaiter (real Redis and BullMQ)', () => {
  const waiter = new SigningJobWaiter();
  const queue = new Queue(Queues.certificateSigning, { connection, prefix: testRun });
  let behaviour: (jobId: string) => Promise<unknown> = async () => result;
  let worker: Worker | undefined;

  beforeAll(async () => {
    await waiter.onModuleInit();
  });

  afterAll(async () => {
    await worker?.close();
    await waiter.onApplicationShutdown();
    await queue.close();
    await deleteRedisPrefix(testRun);
  });

  const startWorker = () => {
    worker ??= new Worker(Queues.certificateSigning, (job) => behaviour(job.id as string), { connection, prefix: testRun, concurrency: 4 });
    return worker.waitUntilReady();
  };
  const add = (jobId: string, options: Record<string, unknown> = {}) => queue.add(SignCertificate.name, {}, { jobId, removeOnComplete: { age: 60 }, ...options });

  it('reports a job that finished before the wait began, with its result', async () => {
    await startWorker();
    const jobId = `done_${randomUUID()}`;
    await add(jobId);
    for (let i = 0; i < 100 && (await queue.getJobState(jobId)) !== 'completed'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await waiter.wait(jobId, 2000)).toEqual({ kind: 'completed', result });
  });

  it('reports a job that finishes while it waits (many concurrent waits, each with its own result)', async () => {
    await startWorker();
    behaviour = async (jobId) => {
      await new Promise((r) => setTimeout(r, 30));
      return { ...result, serialHex: jobId.slice(-6).toUpperCase() };
    };
    const ids = Array.from({ length: 30 }, () => `live_${randomUUID()}`);
    const waits = ids.map((id) => waiter.wait(id, 5000));
    await Promise.all(ids.map((id) => add(id)));
    const outcomes = await Promise.all(waits);
    outcomes.forEach((outcome, i) => expect(outcome).toEqual({ kind: 'completed', result: { ...result, serialHex: (ids[i] as string).slice(-6).toUpperCase() } }));
  });

  it('reports a permanent failure as failed', async () => {
    await startWorker();
    behaviour = async () => {
      throw new UnrecoverableError('csr-malformed');
    };
    const jobId = `fail_${randomUUID()}`;
    const waiting = waiter.wait(jobId, 5000);
    await add(jobId, { attempts: 3 });
    expect(await waiting).toEqual({ kind: 'failed' });
  });

  it('times out when nothing happens (the device gets PENDING)', async () => {
    const t0 = Date.now();
    expect(await waiter.wait(`never_${randomUUID()}`, 300)).toEqual({ kind: 'timeout' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
