import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Counter, Histogram } from 'prom-client';
import type { ProfileSettingsRecord } from '@scep/persistence-read';
import { ServiceMetrics } from '@scep/telemetry';
import type { PolicyDecision } from '../decision/evaluate';
import { policyConfig } from '../policy-config';
import { ruleLabel, signingFailureReason } from './metric-labels';
import { TenantSlugs } from './tenant-slugs';

/** Enqueue times remembered for the signing duration at most (beyond, the oldest are forgotten, not measured). */
const MAX_TIMED_JOBS = 100_000;
/** From a signer that keeps up (tens of milliseconds) to one that was down for a while. */
const SIGNING_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200];

type Outcome = PolicyDecision['outcome'];

/**
 * What the policy service decides and what becomes of it (docs/operations/service-interfaces.md, "Metrics"):
 * decisions under the profile's rules and the rules that failed, certificates issued, signing failures and how
 * long signing took from enqueue to the signer's outcome. Tenant and profile are slugs (as in SCEP URLs, the gateway's
 * labels; the tenant's looked up off the enrollment path, so a count with tenant labels lands a moment later); rule and
 * reason come from closed sets (metric-labels.ts).
 */
@Injectable()
export class PolicyMetrics {
  private readonly decisions: Counter<string>;
  private readonly ruleFailures: Counter<'rule'>;
  private readonly issuedCertificates: Counter<string>;
  private readonly signingFailures: Counter<'reason'>;
  private readonly signingDuration: Histogram<string>;
  /** When this replica enqueued each enrollment's signing job (its outcome comes back to this replica). */
  private readonly enqueuedAt = new LRUCache<string, number>({ max: MAX_TIMED_JOBS, ttl: policyConfig().POLICY_APPROVAL_TTL_HOURS * 3_600_000 });

  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly tenantSlugs: TenantSlugs,
  ) {
    const registry = metrics.registry;
    this.decisions = new Counter({
      name: 'scep_policy_decisions_total',
      help: 'Enrollment requests decided under their profile’s rules and recorded, by outcome (approve, pending: manual approval, reject).',
      labelNames: metrics.tenants.names(['outcome']),
      registers: [registry],
    });
    this.ruleFailures = new Counter({
      name: 'scep_policy_rule_failures_total',
      help: 'Policy rules that failed in recorded decisions, by rule.',
      labelNames: ['rule'] as const,
      registers: [registry],
    });
    this.issuedCertificates = new Counter({
      name: 'scep_certificates_issued_total',
      help: 'Certificates issued, counted when the enrollment is recorded as issued (once per enrollment).',
      labelNames: metrics.tenants.names([]),
      registers: [registry],
    });
    this.signingFailures = new Counter({
      name: 'scep_signing_failures_total',
      help: 'Enrollments whose signing failed for good (recorded as failed), by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.signingDuration = new Histogram({
      name: 'scep_signing_duration_seconds',
      help: 'Time from enqueueing a signing job to receiving the signer’s outcome (issued or failed), on the replica that enqueued it.',
      buckets: SIGNING_BUCKETS,
      registers: [registry],
    });
  }

  /** A decision under the rules, recorded with its transaction. */
  decided(profile: ProfileSettingsRecord, decision: PolicyDecision): void {
    const outcome: Outcome = decision.outcome;
    for (const rule of decision.rules) if (!rule.passed) this.ruleFailures.inc({ rule: ruleLabel(rule.rule) });
    this.withTenant(profile.tenantId, (tenant) => this.decisions.inc(this.metrics.tenants.labels({ outcome }, { tenant, profile: profile.profileSlug })));
  }

  /** An enrollment of this tenant recorded as issued; `profile` undefined when the profile is gone. */
  issued(tenantId: string, profile: ProfileSettingsRecord | undefined): void {
    this.withTenant(tenantId, (tenant) => this.issuedCertificates.inc(this.metrics.tenants.labels({}, { tenant, profile: profile?.profileSlug ?? '' })));
  }

  /** An enrollment recorded as failed, with the signer's (or the reconciler's) reason. */
  signingFailed(reason: string): void {
    this.signingFailures.inc({ reason: signingFailureReason(reason) });
  }

  /** A signing job was put on the queue (the first time counts: a job re-added for the same enrollment keeps its start). */
  signingEnqueued(enrollmentId: string): void {
    if (!this.enqueuedAt.has(enrollmentId)) this.enqueuedAt.set(enrollmentId, performance.now());
  }

  /** Records with the tenant's slug (looked up, cached) when tenant labels are on; at once otherwise. */
  private withTenant(tenantId: string, record: (tenant: string) => void): void {
    if (!this.metrics.tenants.enabled) return record('');
    void this.tenantSlugs.slugOf(tenantId).then(record, () => record(''));
  }

  /** The signer's outcome for an enrollment arrived (authenticated). */
  signingSettled(enrollmentId: string): void {
    const started = this.enqueuedAt.get(enrollmentId);
    if (started === undefined) return;
    this.enqueuedAt.delete(enrollmentId);
    this.signingDuration.observe((performance.now() - started) / 1000);
  }
}
