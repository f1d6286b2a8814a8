import { Injectable, Logger } from '@nestjs/common';
import type { EnrollmentDecide, RpcRequest, RpcResponse } from '@scep/contracts';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { effectiveGenerations } from '@scep/persistence-read';
import { IntuneOutcomeNotifier } from '../intune/intune-outcome.notifier';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { SigningRequests } from '../signing/signing-requests';
import { enrollmentView } from './enrollment-view';

/**
 * Manual approval: an operator's verdict on a pending transaction. Approve -> queued and signed, and the device's
 * next poll gets the certificate; reject -> FAILURE badRequest at the next poll. Who and when are recorded.
 */
@Injectable()
export class ApprovalService {
  private readonly logger = new Logger(ApprovalService.name);

  constructor(
    private readonly transactions: EnrollmentTransactionRepository,
    private readonly profiles: ProfileSettingsCache,
    private readonly signing: SigningRequests,
    private readonly intune: IntuneOutcomeNotifier,
  ) {}

  async decide(request: RpcRequest<typeof EnrollmentDecide>): Promise<RpcResponse<typeof EnrollmentDecide>> {
    const row = await this.transactions.findById(request.tenantId, request.enrollmentId);
    if (!row) return { result: 'not-found' };
    if (row.status === 'pending' && row.pendingUntil && row.pendingUntil.getTime() <= Date.now()) await this.transactions.expire(row.tenantId, row.id);
    const decided =
      request.verdict === 'approve'
        ? await this.transactions.approve(row.tenantId, row.id, request.actor)
        : await this.transactions.reject(row.tenantId, row.id, request.actor, `rejected by operator${request.reason ? `: ${request.reason}` : ''}`);
    const current = await this.transactions.findById(row.tenantId, row.id);
    if (!decided || !current) return { result: 'not-pending', status: current?.status ?? row.status };
    this.logger.log({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId, verdict: request.verdict, actor: request.actor }, 'operator decided');
    const profile = await this.profiles.get(row.tenantId, row.profileId);
    // If enqueueing fails here, the device's next poll (or the reconciliation sweep) enqueues it again.
    if (request.verdict === 'approve' && profile) await this.signing.requestFromRecord(current, effectiveGenerations(profile.caGenerations).active).catch(() => false);
    if (request.verdict === 'reject' && profile?.challengeMode === 'intune') {
      const csrDer = await this.transactions.findCsr(row.tenantId, row.id);
      if (csrDer) this.intune.failedInBackground({ ...current, csrDer }, 'rejected by operator');
    }
    return { result: 'decided', enrollment: enrollmentView(current) };
  }
}
