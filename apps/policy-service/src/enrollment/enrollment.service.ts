import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { EnrollmentState, EnrollmentStatus, EnrollmentSubmit, FailInfoName, RpcRequest, RpcResponse } from '@scep/contracts';
import { EnrollmentTransactionEntity, EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import type { ProfileSettingsRecord } from '@scep/persistence-read';
import { DEFAULT_CERTIFICATE_TEMPLATE, evaluateEnrollment } from '../decision/enrollment-policy';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { SigningQueueProducer } from './signing-queue.producer';

type SubmitRequest = RpcRequest<typeof EnrollmentSubmit>;

/**
 * Owner of enrollment transactions (scep-protocol.md §9): records each transaction once, decides it, enqueues
 * signing, and answers resends and polls from the stored state. "Never issue twice for one transaction" rests on
 * the unique live-transaction index; a different key or signer under a used transactionID is refused.
 */
@Injectable()
export class EnrollmentService {
  private readonly logger = new Logger(EnrollmentService.name);

  constructor(
    private readonly transactions: EnrollmentTransactionRepository,
    private readonly profiles: ProfileSettingsCache,
    private readonly signing: SigningQueueProducer,
  ) {}

  async submit(request: SubmitRequest): Promise<RpcResponse<typeof EnrollmentSubmit>> {
    const profile = await this.profiles.get(request.tenantId, request.profileId);
    if (!profile || profile.status !== 'active') return rejected('badRequest', 'profile not active');

    const existing = await this.transactions.findLive(request.tenantId, request.profileId, request.transactionId);
    if (existing) return this.resend(existing, request, profile);

    const decision = evaluateEnrollment(request.csr);
    const row = Object.assign(new EnrollmentTransactionEntity(), {
      id: randomUUID(),
      tenantId: request.tenantId,
      profileId: request.profileId,
      transactionId: request.transactionId,
      messageType: request.messageType,
      status: decision.outcome === 'approve' ? 'queued' : 'rejected',
      csrDer: Buffer.from(request.csrDer, 'base64'),
      csrFingerprint: request.csrFingerprint,
      keyFingerprint: request.keyFingerprint,
      signerFingerprint: request.signerFingerprint,
      subject: request.csr.subject,
      requestCipher: request.requestCipher,
      requestDigest: request.requestDigest,
      failInfo: decision.outcome === 'reject' ? decision.failInfo : null,
      statusReason: decision.outcome === 'reject' ? decision.reason : null,
      decision: { rules: decision.rules, decidedAt: new Date().toISOString(), approver: 'auto' },
      certificateSerial: null,
      certificateDer: null,
      completedAt: decision.outcome === 'reject' ? new Date() : null,
      supersededAt: null,
    } satisfies Partial<EnrollmentTransactionEntity>);

    if (!(await this.transactions.insertIfAbsent(row))) {
      // A concurrent copy of this request recorded it first (Cisco and Apple retry on timeout): answer from its state.
      const winner = await this.transactions.findLive(request.tenantId, request.profileId, request.transactionId);
      if (!winner) return rejected('badRequest', 'transaction vanished');
      return this.resend(winner, request, profile);
    }
    trace.getActiveSpan()?.setAttributes({ 'scep.enrollment_id': row.id, 'scep.decision': decision.outcome });
    if (decision.outcome === 'reject') {
      this.logger.warn({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId, reason: decision.reason }, 'enrollment rejected');
      return rejected(decision.failInfo, decision.reason);
    }
    this.logger.log({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId }, 'enrollment approved');
    return { state: 'queued', jobId: await this.enqueueSigning(row, profile) };
  }

  async status(request: RpcRequest<typeof EnrollmentStatus>): Promise<RpcResponse<typeof EnrollmentStatus>> {
    const row = await this.transactions.findLive(request.tenantId, request.profileId, request.transactionId);
    // Only the key that signed the request may poll it (its certificate is enveloped to the poller): otherwise unknown.
    if (!row || row.signerFingerprint !== request.signerFingerprint) return { state: 'unknown' };
    const profile = await this.profiles.get(request.tenantId, request.profileId);
    return this.stateOf(row, profile);
  }

  /** Same transactionID again: the stored answer for the same key and signer, FAILURE for anyone else. */
  private async resend(row: EnrollmentTransactionEntity, request: SubmitRequest, profile: ProfileSettingsRecord): Promise<EnrollmentState> {
    if (row.keyFingerprint !== request.keyFingerprint || row.signerFingerprint !== request.signerFingerprint) {
      this.logger.warn({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId }, 'transactionID reused by another key');
      return rejected('badRequest', 'transactionID already used by another key');
    }
    return this.stateOf(row, profile);
  }

  private async stateOf(row: EnrollmentTransactionEntity, profile: ProfileSettingsRecord | undefined): Promise<EnrollmentState> {
    switch (row.status) {
      case 'issued':
        return { state: 'issued', certificateDer: (row.certificateDer as Buffer).toString('base64'), serialHex: row.certificateSerial ?? '' };
      case 'queued':
        // Re-adding is idempotent and re-drives a job lost between recording and enqueueing.
        if (!profile) return { state: 'pending' };
        return { state: 'queued', jobId: await this.enqueueSigning(row, profile) };
      case 'pending':
        return { state: 'pending' };
      case 'rejected':
      case 'failed':
        return rejected((row.failInfo as FailInfoName | null) ?? 'badRequest', row.statusReason ?? row.status);
    }
  }

  private enqueueSigning(row: EnrollmentTransactionEntity, profile: ProfileSettingsRecord): Promise<string> {
    return this.signing.enqueue({
      tenantId: row.tenantId,
      profileId: row.profileId,
      caId: profile.caId,
      enrollmentId: row.id,
      csrDer: row.csrDer.toString('base64'),
      validityDays: profile.validityDays,
      keyUsage: DEFAULT_CERTIFICATE_TEMPLATE.keyUsage,
      extendedKeyUsage: DEFAULT_CERTIFICATE_TEMPLATE.extendedKeyUsage,
      copySubjectAltName: DEFAULT_CERTIFICATE_TEMPLATE.copySubjectAltName,
    });
  }
}

function rejected(failInfo: FailInfoName, reason: string): EnrollmentState {
  return { state: 'rejected', failInfo, reason: reason.slice(0, 200) };
}
