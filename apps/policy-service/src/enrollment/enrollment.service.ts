import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { EnrollmentState, EnrollmentStatus, EnrollmentSubmit, FailInfoName, RpcRequest, RpcResponse } from '@scep/contracts';
import { type EnrollmentTransaction, EnrollmentTransactionEntity, EnrollmentTransactionRepository, RenewalSlotTaken } from '@scep/persistence-enrollment';
import { IssuedCertificateReader, type ProfileSettingsRecord, effectiveGenerations } from '@scep/persistence-read';
import { type CsrFacts, type PolicyDecision, evaluate } from '../decision/evaluate';
import type { RenewalFacts } from '../decision/renewal-rules';
import { IntuneOutcomeNotifier } from '../intune/intune-outcome.notifier';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { PolicyRulesStore } from '../rules/policy-rules.store';
import { SigningReconciler, stateOfOutcome } from '../signing/signing-reconciler';
import { SigningRequests } from '../signing/signing-requests';
import { SigningWaiters } from '../signing/signing-waiters';
import { ChallengeCheck } from './challenge-check';
import { RenewalAuthentication } from './renewal-authentication';
import { type RequestCsr, readRequestCsr } from './request-csr';

type SubmitRequest = RpcRequest<typeof EnrollmentSubmit>;

/** RFC 8894 §3.3.1.2. */
const RENEWAL_REQ = 17;
/**
 * A completed transaction answers a repeat of its request only this long (scep-protocol.md §9.4): most clients
 * derive the transactionID from the key, so the same key re-enrolling months later must get a new transaction.
 */
const RESEND_WINDOW_MS = 7 * 24 * 3600 * 1000;
const HOUR_MS = 3600_000;

/**
 * Owner of enrollment transactions and of their outcome (docs/adr/007-enrollment-path-v2.md): reads the CSR,
 * has the challenge checked, decides under the profile's rules, records the transaction once, puts an approved plan
 * on the signer's queue and waits for the certificate up to the profile's sync-wait; resends and polls are answered
 * from the stored state. "Never issue twice for one transaction" rests on the unique live-transaction index and on
 * the signer's one-certificate-per-enrollment; what identifies a request is (transactionID, key, signer identity).
 */
@Injectable()
export class EnrollmentService {
  private readonly logger = new Logger(EnrollmentService.name);

  constructor(
    private readonly transactions: EnrollmentTransactionRepository,
    private readonly profiles: ProfileSettingsCache,
    private readonly rules: PolicyRulesStore,
    private readonly certificates: IssuedCertificateReader,
    private readonly renewals: RenewalAuthentication,
    private readonly challenges: ChallengeCheck,
    private readonly signing: SigningRequests,
    private readonly waiters: SigningWaiters,
    private readonly reconciler: SigningReconciler,
    private readonly intune: IntuneOutcomeNotifier,
  ) {}

  async submit(request: SubmitRequest): Promise<RpcResponse<typeof EnrollmentSubmit>> {
    const profile = await this.profiles.get(request.tenantId, request.profileId);
    if (!profile || profile.status !== 'active') return rejected('badRequest', 'profile not active');
    const reading = readRequestCsr(Buffer.from(request.csrDer, 'base64'));
    if (!reading.ok) return rejected('badRequest', reading.reason);
    const csr = reading.csr;

    // A resend is answered from the record, never by checking its challenge again: a one-time challenge may have
    // expired, a static one rotated, and Intune or a webhook would be asked at every poll (clients resend while
    // PENDING).
    const existing = await this.transactions.findLive(request.tenantId, request.profileId, request.transactionId);
    if (existing) {
      const outcome = await this.resend(existing, request, csr, profile);
      if (outcome !== 'start-new') return outcome;
    }

    if (!csr.signatureValid) return rejected('badMessageCheck', 'CSR signature invalid');
    if (!request.renewal) {
      // Proof of possession (RFC 8894 §2.3): an initial request is signed by the key being certified.
      if (csr.keyFingerprint !== request.signerFingerprint) return rejected('badRequest', 'signer key differs from the CSR key');
      const verdict = await this.challenges.verify(profile, request, csr);
      if (verdict.decision === 'reject') {
        // A locked-out client is answered HTTP 429 by the gateway (no CertRep), the others FAILURE badRequest.
        if (verdict.reason === 'locked' && verdict.retryAfterSeconds) return { state: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
        return rejected('badRequest', `challenge ${verdict.reason}`);
      }
    }
    trace.getActiveSpan()?.setAttribute('scep.renewal', Boolean(request.renewal));

    const renewal = request.renewal ? await this.renewals.factsOf({ ...request, renewal: request.renewal }, profile) : undefined;
    const { decision, policyVersion, pendingTtlHours } = await this.decide(profile, csr.facts, renewal, request.messageType);
    const row = this.record(request, csr, profile, decision, policyVersion, pendingTtlHours, renewal);
    if (!(await this.insert(row))) {
      // The transactionID is taken: a resend, a concurrent copy of this request (Cisco and Apple retry on timeout),
      // or a new request under an old transactionID (§9.4). Answer from the record, or retire it and record anew.
      const existing = await this.transactions.findLive(request.tenantId, request.profileId, request.transactionId);
      if (!existing) return rejected('badRequest', 'transaction vanished');
      const outcome = await this.resend(existing, request, csr, profile);
      if (outcome !== 'start-new') return outcome;
      if (!(await this.insert(row))) return rejected('badRequest', 'transaction changed concurrently');
    }
    trace.getActiveSpan()?.setAttributes({ 'scep.enrollment_id': row.id, 'scep.decision': decision.outcome });
    const context = { tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId, renewalOf: row.renewalOfSerial ?? undefined, policyVersion };
    if (row.status === 'rejected' && decision.outcome !== 'reject') {
      this.logger.warn({ ...context, reason: row.statusReason }, 'renewal rejected');
      return rejected('badRequest', row.statusReason ?? 'renewal refused');
    }
    switch (decision.outcome) {
      case 'reject':
        this.logger.warn({ ...context, reason: decision.reason }, 'enrollment rejected');
        if (profile.challengeMode === 'intune') this.intune.failedInBackground(row, decision.reason);
        return rejected(decision.failInfo, decision.reason);
      case 'pending':
        this.logger.log({ ...context, pendingUntil: row.pendingUntil?.toISOString() }, 'enrollment waits for approval');
        return { state: 'pending' };
      case 'approve': {
        this.logger.log(context, request.renewal ? 'renewal approved' : 'enrollment approved');
        // Wait first, then enqueue: an outcome faster than this continuation still finds its waiter.
        const waiter = this.waiters.wait(row.id, profile.syncWaitMs);
        try {
          await this.signing.request({
            tenantId: row.tenantId,
            profileId: row.profileId,
            caId: row.issuingCaId as string,
            enrollmentId: row.id,
            plan: decision.plan,
            subjectSource: decision.subjectSource,
            csr,
          });
        } catch (error) {
          // Recorded as queued: a poll (or the reconciliation sweep) enqueues it again.
          waiter.cancel();
          this.logger.warn({ ...context, reason: error instanceof Error ? error.name : 'error' }, 'could not enqueue signing now');
          return { state: 'pending' };
        }
        return stateOfOutcome(await waiter.outcome);
      }
    }
  }

  async status(request: RpcRequest<typeof EnrollmentStatus>): Promise<RpcResponse<typeof EnrollmentStatus>> {
    const row = await this.transactions.findLive(request.tenantId, request.profileId, request.transactionId);
    // Only the key that signed the request may poll it (its certificate is enveloped to the poller): otherwise unknown.
    if (!row || row.signerFingerprint !== request.signerFingerprint) return { state: 'unknown' };
    const profile = await this.profiles.get(request.tenantId, request.profileId);
    return this.stateOf(row, profile);
  }

  /** The rules in force applied to a request (also what the dry run shows). */
  async decide(
    profile: ProfileSettingsRecord,
    csr: CsrFacts,
    renewal: RenewalFacts | undefined,
    messageType: number,
  ): Promise<{ decision: PolicyDecision; policyVersion: number; pendingTtlHours: number }> {
    const policy = await this.rules.current(profile.tenantId, profile.profileId);
    const pendingTtlHours = policy.rules.approval.pendingTtlHours;
    if (messageType === RENEWAL_REQ && !renewal) {
      const rules = [{ rule: 'renewal-signer', passed: false, detail: 'RenewalReq must be signed by a certificate this CA issued' }];
      return { decision: { outcome: 'reject', rules, failInfo: 'badRequest', reason: `${rules[0]?.rule}: ${rules[0]?.detail}` }, policyVersion: policy.version, pendingTtlHours };
    }
    const input = { csr, rules: policy.rules, profileValidityDays: profile.validityDays, challengeMode: profile.challengeMode, renewal, now: new Date() };
    let decision = evaluate(input);
    if (policy.rules.duplicates === 'refuse-while-valid' && !renewal && decision.plan) {
      const duplicateExists = await this.certificates.hasValidWithSubject(profile.tenantId, profile.profileId, decision.plan.subject);
      decision = evaluate({ ...input, duplicateExists });
    }
    return { decision, policyVersion: policy.version, pendingTtlHours };
  }

  private record(
    request: SubmitRequest,
    csr: RequestCsr,
    profile: ProfileSettingsRecord,
    decision: PolicyDecision,
    policyVersion: number,
    pendingTtlHours: number,
    renewal: RenewalFacts | undefined,
  ): EnrollmentTransactionEntity {
    const now = new Date();
    return Object.assign(new EnrollmentTransactionEntity(), {
      id: randomUUID(),
      tenantId: request.tenantId,
      profileId: request.profileId,
      transactionId: request.transactionId,
      messageType: request.messageType,
      status: decision.outcome === 'approve' ? 'queued' : decision.outcome === 'reject' ? 'rejected' : 'pending',
      csrDer: csr.der,
      csrFingerprint: csr.fingerprint,
      keyFingerprint: csr.keyFingerprint,
      signerFingerprint: request.signerFingerprint,
      signerCertificateFingerprint: request.signerCertificateFingerprint,
      renewalOfSerial: request.renewal?.serialHex ?? null,
      // A renewal that is approved or waits takes the next slot of the certificate it renews (unique per serial).
      renewalSeq: renewal?.known && decision.outcome !== 'reject' ? renewal.renewalsSoFar + 1 : null,
      issuingCaId: issuingCa(profile, request.issuingCaId),
      subject: csr.facts.subject,
      requestCipher: request.requestCipher,
      requestDigest: request.requestDigest,
      clientAddress: request.clientAddress ?? null,
      failInfo: decision.outcome === 'reject' ? decision.failInfo : null,
      statusReason: decision.outcome === 'reject' ? decision.reason : null,
      decision: {
        rules: decision.rules.map(({ rule, passed, detail }) => ({ rule, passed, detail })),
        decidedAt: now.toISOString(),
        approver: decision.outcome === 'pending' ? 'operator' : 'auto',
        policyVersion,
        ...(decision.plan ? { plan: decision.plan, subjectSource: decision.subjectSource } : {}),
      },
      certificateSerial: null,
      completedAt: decision.outcome === 'reject' ? now : null,
      supersededAt: null,
      pendingUntil: decision.outcome === 'pending' ? new Date(now.getTime() + pendingTtlHours * HOUR_MS) : null,
      decidedBy: null,
      decidedAt: null,
    } satisfies Partial<EnrollmentTransactionEntity>);
  }

  /**
   * Records the transaction unless its transactionID is live already (false). A renewal whose slot another renewal
   * of the same certificate took meanwhile is recorded as refused instead.
   */
  private async insert(row: EnrollmentTransactionEntity): Promise<boolean> {
    try {
      return Boolean(await this.transactions.insertIfAbsent(row));
    } catch (error) {
      if (!(error instanceof RenewalSlotTaken)) throw error;
      Object.assign(row, {
        status: 'rejected',
        renewalSeq: null,
        failInfo: 'badRequest',
        statusReason: 'renewal-count: the certificate was renewed concurrently',
        completedAt: new Date(),
        pendingUntil: null,
      });
      return Boolean(await this.transactions.insertIfAbsent(row));
    }
  }

  /**
   * Same transactionID again (§9.3, §9.4). Same key, same signer identity, same CSR, recently: the stored answer (a
   * resend, never a second certificate). Same key but another signer identity, another CSR, or a transaction that
   * completed long ago: a new request under an old transactionID (micromdm renews with its first transactionID,
   * Cisco re-enrolls with its key) — once the old one is complete, start a new transaction. Another key: refused.
   * A transaction the rules refused, or whose signing failed, is decided again: nothing can be issued twice, and a
   * device that retries after an operator fixed the profile gets the new answer instead of the old FAILURE for a week
   * (clients derive the transactionID from the key, so it cannot change). An operator's rejection and an expired
   * approval stay the answer.
   */
  private async resend(row: EnrollmentTransaction, request: SubmitRequest, csr: RequestCsr, profile: ProfileSettingsRecord): Promise<EnrollmentState | 'start-new'> {
    if (row.keyFingerprint !== csr.keyFingerprint || row.signerFingerprint !== request.signerFingerprint) {
      this.logger.warn({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId }, 'transactionID reused by another key');
      return rejected('badRequest', 'transactionID already used by another key');
    }
    const sameSigner = (row.signerCertificateFingerprint ?? request.signerCertificateFingerprint) === request.signerCertificateFingerprint;
    const recent = !row.completedAt || Date.now() - row.completedAt.getTime() < RESEND_WINDOW_MS;
    const decideAgain = (row.status === 'rejected' && !row.decidedBy) || row.status === 'failed';
    if (sameSigner && row.csrFingerprint === csr.fingerprint && recent && !decideAgain) return this.stateOf(row, profile);
    // Signed but not yet recorded (outcomes are recorded in batches, or by the reconciler after an outage): the
    // certificate store says it is complete, so record it now and let the new request start.
    // (Not for Intune profiles: Intune is told before the record is written, by the recorder.)
    if (row.status === 'queued' && profile.challengeMode !== 'intune') await this.recordIfSigned(row);
    if (await this.transactions.supersede(row.tenantId, row.id)) {
      this.logger.log({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId }, 'transaction superseded by a new request');
      return 'start-new';
    }
    return rejected('badRequest', 'transactionID in progress with another request');
  }

  private async recordIfSigned(row: EnrollmentTransaction): Promise<void> {
    const certificate = await this.certificates.findByEnrollment(row.tenantId, row.id);
    if (certificate) await this.transactions.markIssued([{ tenantId: row.tenantId, id: row.id, serialHex: certificate.serialHex }]);
  }

  private async stateOf(row: EnrollmentTransaction, profile: ProfileSettingsRecord | undefined): Promise<EnrollmentState> {
    switch (row.status) {
      case 'issued': {
        const certificate = await this.certificates.findByEnrollment(row.tenantId, row.id);
        if (!certificate) return rejected('badRequest', 'certificate not found');
        return { state: 'issued', certificateDer: certificate.certificateDer.toString('base64'), serialHex: certificate.serialHex };
      }
      case 'queued':
        return this.reconciler.settle(row, profile?.syncWaitMs ?? 0);
      case 'pending':
        if (row.pendingUntil && row.pendingUntil.getTime() <= Date.now() && (await this.transactions.expire(row.tenantId, row.id))) {
          this.logger.warn({ tenantId: row.tenantId, enrollmentId: row.id, transactionId: row.transactionId }, 'approval expired');
          return rejected('badCertId', 'approval expired');
        }
        return { state: 'pending' };
      case 'rejected':
      case 'failed':
      case 'expired':
        return rejected((row.failInfo as FailInfoName | null) ?? 'badRequest', row.statusReason ?? row.status);
    }
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
