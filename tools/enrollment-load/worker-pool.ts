/**
 * Spreads build jobs over worker threads (one per core by default): key generation and request building are
 * pure CPU and would otherwise take a single core for tens of seconds before each run.
 */
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BuildJob, BuiltRequest, PoolKey, RequestsJob } from './build-jobs';

type Reply = { ok: true; result: unknown } | { ok: false; error: string };

export class BuildWorkers {
  private readonly workers: Worker[];

  constructor(count = Math.max(1, os.availableParallelism())) {
    this.workers = Array.from(
      { length: count },
      () => new Worker(path.join(__dirname, 'ts-worker.cjs'), { workerData: { entry: path.join(__dirname, 'build-worker.ts') } }),
    );
  }

  get size(): number {
    return this.workers.length;
  }

  private run<T>(worker: Worker, job: BuildJob): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        worker.off('error', onError);
        if (reply.ok) resolve(reply.result as T);
        else reject(new Error(reply.error));
      };
      const onError = (error: Error) => {
        worker.off('message', onMessage);
        reject(error);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(job);
    });
  }

  /** `count` new pool keys, generated in parallel. */
  async generateKeys(count: number): Promise<PoolKey[]> {
    const share = Math.ceil(count / this.workers.length);
    const parts = await Promise.all(
      this.workers.map((w, i) => {
        const n = Math.max(0, Math.min(share, count - i * share));
        return n ? this.run<PoolKey[]>(w, { kind: 'keys', count: n, firstIndex: i * share }) : Promise.resolve([]);
      }),
    );
    return parts.flat();
  }

  /** Requests for the given items, in the same order, built in parallel. */
  async buildRequests(job: Omit<RequestsJob, 'kind'>): Promise<BuiltRequest[]> {
    const share = Math.ceil(job.items.length / this.workers.length);
    const parts = await Promise.all(
      this.workers.map((w, i) => {
        const items = job.items.slice(i * share, (i + 1) * share);
        return items.length ? this.run<BuiltRequest[]>(w, { ...job, kind: 'requests', items }) : Promise.resolve([]);
      }),
    );
    // Buffers lose their prototype across threads (they arrive as Uint8Array): make them Buffers again.
    return parts.flat().map((r) => ({ ...r, der: Buffer.from(r.der) }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
