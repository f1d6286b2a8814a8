import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { Queues, ReleaseCertificateHold, RevokeCertificates } from '@scep/contracts';
import { jobDispatcher, jobHandler } from '@scep/queues';
import { CertificateRevoker } from './certificate-revoker.service';

/** Consumes `certificate-revocation`: revocations and hold releases requested by the admin API. */
@Processor(Queues.certificateRevocation, { concurrency: 4 })
export class RevocationProcessor extends WorkerHost {
  private readonly dispatch;

  constructor(revoker: CertificateRevoker) {
    super();
    this.dispatch = jobDispatcher(Queues.certificateRevocation, [
      jobHandler(RevokeCertificates, (payload) => revoker.revoke(payload)),
      jobHandler(ReleaseCertificateHold, (payload) => revoker.release(payload)),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }
}
