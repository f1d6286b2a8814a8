import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { GenerateCa, IssueRaCredential, JobIds, Queues, RefreshCrls, RefreshOcspResponders } from '@scep/contracts';
import { jobDispatcher, jobHandler } from '@scep/queues';
import { CrlIssuer } from '../crl/crl-issuer.service';
import { OcspResponderIssuer } from '../ocsp/ocsp-responder-issuer.service';
import { signerConfig } from '../signer-config';
import { CaGenerator } from './ca-generator.service';
import { RaIssuer } from './ra-issuer.service';

/**
 * Consumes `key-management`: CA and RA key generation requested by the admin API, and the scheduled refresh of CRLs
 * and OCSP responder certificates.
 */
@Processor(Queues.keyManagement, { concurrency: 2 })
export class KeyManagementProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly dispatch;

  constructor(
    caGenerator: CaGenerator,
    raIssuer: RaIssuer,
    crls: CrlIssuer,
    responders: OcspResponderIssuer,
    @InjectQueue(Queues.keyManagement) private readonly queue: Queue,
  ) {
    super();
    this.dispatch = jobDispatcher(Queues.keyManagement, [
      jobHandler(GenerateCa, (payload) => caGenerator.generate(payload)),
      jobHandler(IssueRaCredential, (payload) => raIssuer.issue(payload)),
      jobHandler(RefreshCrls, async (payload) => ({ issued: await crls.refreshDue(payload.tenantId) })),
      jobHandler(RefreshOcspResponders, async (payload) => ({ issued: await responders.refreshDue(payload.tenantId) })),
    ]);
  }

  /** One scheduler per job and deployment (upsert is idempotent across signer replicas), first run at start. */
  async onApplicationBootstrap(): Promise<void> {
    const every = signerConfig().SIGNER_CRL_REFRESH_MINUTES * 60_000;
    const opts = { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } };
    for (const job of [RefreshCrls, RefreshOcspResponders]) {
      await this.queue.upsertJobScheduler(job.name, { every, immediately: true }, { name: job.name, data: {}, opts });
    }
    // And one responder sweep now, whatever the scheduler's phase: after the approval secret changed, the responder keys
    // are unusable until re-issued (ADR 010). One job per five minutes, however many replicas start together.
    await this.queue.add(RefreshOcspResponders.name, {}, { ...opts, jobId: JobIds.refreshOcspRespondersAtStart(String(Math.floor(Date.now() / 300_000))) });
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }
}
