/** Worker-thread entry (loaded through ts-worker.cjs): runs one build job per message. */
import { parentPort } from 'node:worker_threads';
import { type BuildJob, runBuildJob } from './build-jobs';

parentPort?.on('message', (job: BuildJob) => {
  try {
    parentPort?.postMessage({ ok: true, result: runBuildJob(job) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
