import { Injectable, Logger } from '@nestjs/common';
import { certificatePlan } from '@scep/contracts';
import { type EnrollmentTransaction, EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { readRequestCsr } from '../enrollment/request-csr';
import { type ApprovalInput, SigningApprovals } from './signing-approvals';
import { SigningQueueProducer } from './signing-queue.producer';

/** Turns a decision into a signing job: the approval (plan + DER + MAC) on the signer's queue. */
@Injectable()
export class SigningRequests {
  private readonly logger = new Logger(SigningRequests.name);

  constructor(
    private readonly approvals: SigningApprovals,
    private readonly queue: SigningQueueProducer,
    private readonly transactions: EnrollmentTransactionRepository,
  ) {}

  async request(input: ApprovalInput): Promise<void> {
    const { approval, mac } = this.approvals.approve(input);
    await this.queue.enqueue(approval, mac);
  }

  /**
   * Again from the record (an operator's approval, a job lost with Redis): the plan as it was decided, the DER from
   * the stored CSR, a fresh approval. False when the record cannot be signed (no usable plan).
   */
  async requestFromRecord(row: EnrollmentTransaction, activeCaId: string): Promise<boolean> {
    const legacy = row.decision.plan as (typeof row.decision.plan & { subjectDn?: string }) | undefined;
    const plan = certificatePlan.safeParse(legacy);
    const csrDer = await this.transactions.findCsr(row.tenantId, row.id);
    const csr = csrDer ? readRequestCsr(csrDer) : undefined;
    if (!plan.success || !csr?.ok) {
      this.logger.error({ tenantId: row.tenantId, enrollmentId: row.id }, 'transaction has no signable plan');
      return false;
    }
    await this.request({
      tenantId: row.tenantId,
      profileId: row.profileId,
      caId: row.issuingCaId ?? activeCaId,
      enrollmentId: row.id,
      plan: plan.data,
      // Records decided before plans named their subject source carried the template's subject as subjectDn.
      subjectSource: row.decision.subjectSource ?? (legacy?.subjectDn ? 'template' : 'csr'),
      csr: csr.csr,
    });
    return true;
  }
}
