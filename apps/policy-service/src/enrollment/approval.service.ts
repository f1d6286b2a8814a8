import { Injectable, Logger } from '@nestjs/common';
import type { EnrollmentDecide, RpcRequest, RpcResponse } from '@scep/contracts';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { IntuneOutcomeNotifier } from '../intune/intune-outcome.notifier';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { EnrollmentService } from './enrollment.service';
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
    private readonly enrollments: EnrollmentService,
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
    if (request.verdict === 'approve' && profile) await this.enrollments.enqueueSigning(current, profile);
    if (request.verdict === 'reject' && profile?.challengeMode === 'intune') this.intune.failedInBackground(current, 'rejected by operator');
    return { result: 'decided', enrollment: enrollmentView(current) };
  }
}
