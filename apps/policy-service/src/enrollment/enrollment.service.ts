import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { EnrollmentState, EnrollmentStatus, EnrollmentSubmit, FailInfoName, RpcRequest, RpcResponse } from '@scep/contracts';
import { EnrollmentTransactionEntity, EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { IssuedCertificateReader, type ProfileSettingsRecord, effectiveGenerations } from '@scep/persistence-read';
import { DEFAULT_CERTIFICATE_TEMPLATE, type RuleResult, evaluateEnrollment, renewalRules } from '../decision/enrollment-policy';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { PolicyRulesStore } from '../rules/policy-rules.store';
import { SigningQueueProducer } from './signing-queue.producer';

type SubmitRequest = RpcRequest<typeof EnrollmentSubmit>;

/** RFC 8894 §3.3.1.2. */
const RENEWAL_REQ = 17;
/**
 * A completed transaction answers a repeat of its request only this long (scep-protocol.md §9.4): most clients
 * derive the transactionID from the key, so the same key re-enrolling months later must get a new transaction.
 */
const RESEND_WINDOW_MS = 7 * 24 * 3600 * 1000;

/**
 * Owner of enrollment transactions (scep-protocol.md §9): records each transaction once, decides it, enqueues
 * signing, and answers resends and polls from the stored state. "Never issue twice for one transaction" rests on
 * the unique live-transaction index; what identifies a request is (transactionID, key, signer certificate).
 */
@Injectable()
export class EnrollmentService {
  private readonly logger = new Logger(EnrollmentService.name);

  constructor(
    private readonly transactions: EnrollmentTransactionRepository,
    private readonly profiles: ProfileSettingsCache,
    private readonly rules: PolicyRulesStore,
    private readonly certificates: IssuedCertificateReader,
    private readonly signing: SigningQueueProducer,
  ) {}

  async submit(request: SubmitRequest): Promise<RpcResponse<typeof EnrollmentSubmit>> {
    const profile = await this.profiles.get(request.tenantId, request.profileId);
    if (!profile || profile.status !== 'active') return rejected('badRequest', 'profile not active');

    const existing = await this.transactions.findLive(request.tenantId, request.profileId, request.transactionId);
    if (existing) {
      const outcome = await this.resend(existing, request, profile);
      if (outcome !== 'start-new') return outcome;
    }

    const decision = evaluateEnrollment(request.csr, await this.renewalChecks(request));
    const issuingCaId = issuingCa(profile, request.issuingCaId);
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
      signerCertificateFingerprint: request.signerCertificateFingerprint,
      renewalOfSerial: request.renewal?.serialHex ?? null,
      issuingCaId,
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
      const outcome = await this.resend(winner, request, profile);
      return outcome === 'start-new' ? rejected('badRequest', 'transaction changed concurrently') : outcome;
    }
    trace.getActiveSpan()?.setAttributes({ 'scep.enrollment_id': row.id, 'scep.decision': decision.outcome, 'scep.renewal': Boolean(request.renewal) });
    const context = { tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId, renewalOf: row.renewalOfSerial ?? undefined };
    if (decision.outcome === 'reject') {
      this.logger.warn({ ...context, reason: decision.reason }, 'enrollment rejected');
      return rejected(decision.failInfo, decision.reason);
    }
    this.logger.log(context, request.renewal ? 'renewal approved' : 'enrollment approved');
    return { state: 'queued', jobId: await this.enqueueSigning(row, profile) };
  }

  async status(request: RpcRequest<typeof EnrollmentStatus>): Promise<RpcResponse<typeof EnrollmentStatus>> {
    const row = await this.transactions.findLive(request.tenantId, request.profileId, request.transactionId);
    // Only the key that signed the request may poll it (its certificate is enveloped to the poller): otherwise unknown.
    if (!row || row.signerFingerprint !== request.signerFingerprint) return { state: 'unknown' };
    const profile = await this.profiles.get(request.tenantId, request.profileId);
    return this.stateOf(row, profile);
  }

  /**
   * Same transactionID again (§9.3, §9.4). Same key, same signer identity, same CSR, recently: the stored answer (a
   * resend, never a second certificate). Same key but another signer identity, another CSR, or a transaction that
   * completed long ago: a new request under an old transactionID (micromdm renews with its first transactionID,
   * Cisco re-enrolls with its key) — once the old one is complete, start a new transaction. Another key: refused.
   */
  private async resend(row: EnrollmentTransactionEntity, request: SubmitRequest, profile: ProfileSettingsRecord): Promise<EnrollmentState | 'start-new'> {
    if (row.keyFingerprint !== request.keyFingerprint || row.signerFingerprint !== request.signerFingerprint) {
      this.logger.warn({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId }, 'transactionID reused by another key');
      return rejected('badRequest', 'transactionID already used by another key');
    }
    const sameSigner = (row.signerCertificateFingerprint ?? request.signerCertificateFingerprint) === request.signerCertificateFingerprint;
    const recent = !row.completedAt || Date.now() - row.completedAt.getTime() < RESEND_WINDOW_MS;
    if (sameSigner && row.csrFingerprint === request.csrFingerprint && recent) return this.stateOf(row, profile);
    if (await this.transactions.supersede(row.tenantId, row.id)) {
      this.logger.log({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId }, 'transaction superseded by a request from another certificate');
      return 'start-new';
    }
    return rejected('badRequest', 'transactionID in progress with another request');
  }

  /** The extra rules of a renewal; a RenewalReq without a certificate this CA issued is refused outright. */
  private async renewalChecks(request: SubmitRequest): Promise<RuleResult[]> {
    if (!request.renewal) {
      return request.messageType === RENEWAL_REQ
        ? [{ rule: 'renewal-signer', passed: false, detail: 'RenewalReq must be signed by a certificate this CA issued' }]
        : [];
    }
    const [policy, stored] = await Promise.all([
      this.rules.current(request.tenantId, request.profileId),
      this.certificates.findBySerial(request.tenantId, request.renewal.caId, request.renewal.serialHex),
    ]);
    return renewalRules(
      policy.rules.renewal,
      {
        subject: request.renewal.subject,
        notBefore: new Date(request.renewal.notBefore),
        notAfter: new Date(request.renewal.notAfter),
        known: Boolean(stored),
        revoked: Boolean(stored?.revokedAt),
      },
      request.csr,
      new Date(),
    );
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
      caId: row.issuingCaId ?? effectiveGenerations(profile.caGenerations).active,
      enrollmentId: row.id,
      csrDer: row.csrDer.toString('base64'),
      validityDays: profile.validityDays,
      keyUsage: DEFAULT_CERTIFICATE_TEMPLATE.keyUsage,
      extendedKeyUsage: DEFAULT_CERTIFICATE_TEMPLATE.extendedKeyUsage,
      copySubjectAltName: DEFAULT_CERTIFICATE_TEMPLATE.copySubjectAltName,
    });
  }
}

/**
 * The CA that issues (RFC 8894 §4.7, Figure 9): the one whose RA the device encrypted to, when that CA is the
 * profile's active or announced next CA; a request to a retired RA is issued by the active CA.
 */
function issuingCa(profile: ProfileSettingsRecord, requested: string): string {
  const generations = effectiveGenerations(profile.caGenerations);
  return requested === generations.active || requested === generations.upcoming ? requested : generations.active;
}

function rejected(failInfo: FailInfoName, reason: string): EnrollmentState {
  return { state: 'rejected', failInfo, reason: reason.slice(0, 200) };
}
