import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { GenerateCa, IssueRaCredential, Queues } from '@scep/contracts';
import { jobDispatcher, jobHandler } from '@scep/transport';
import { CaGenerator } from './ca-generator.service';
import { RaIssuer } from './ra-issuer.service';

/** Consumes `key-management`: CA and RA key generation requested by the admin API. */
@Processor(Queues.keyManagement, { concurrency: 2 })
export class KeyManagementProcessor extends WorkerHost {
  private readonly dispatch;

  constructor(caGenerator: CaGenerator, raIssuer: RaIssuer) {
    super();
    this.dispatch = jobDispatcher(Queues.keyManagement, [
      jobHandler(GenerateCa, (payload) => caGenerator.generate(payload)),
      jobHandler(IssueRaCredential, (payload) => raIssuer.issue(payload)),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }
}
