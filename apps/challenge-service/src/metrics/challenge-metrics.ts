import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { ServiceMetrics } from '@scep/telemetry';
import type { ChallengeMode } from '@scep/contracts';
import { challengeConfig } from '../challenge-config';

/** `unknown` when a lockout answered before the profile's mode was even looked up. */
export type VerificationMode = ChallengeMode | 'unknown';

/**
 * The challenge service's Prometheus metrics, on the service's registry (standard process/Node metrics under their
 * usual names beside them: ServiceMetrics). Labels never carry challenges or addresses: bounded cardinality.
 */
@Injectable()
export class ChallengeMetrics {
  // Parameter properties are assigned before field initialisers: the counters below find the registry.
  readonly registry = this.service.registry;

  private readonly verifications = new Counter({
    name: 'scep_challenge_verifications_total',
    help: 'Challenge verifications by profile mode, decision and rejection reason ("none" for accepts).',
    labelNames: ['mode', 'decision', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly verificationSeconds = new Histogram({
    name: 'scep_challenge_verification_duration_seconds',
    help: 'Time to answer a challenge verification, by profile mode (webhook and Intune include the remote call).',
    labelNames: ['mode'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly lockouts = new Counter({
    name: 'scep_challenge_lockouts_total',
    help: 'Lockouts set after too many failed challenges, by scope (profile or client address).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  private readonly rateLimiterErrors = new Counter({
    name: 'scep_challenge_rate_limiter_errors_total',
    help: 'Rate limiter calls that failed (Redis unavailable): verification went on without the limiter.',
    registers: [this.registry],
  });

  private readonly intuneNotifications = new Counter({
    name: 'scep_challenge_intune_notifications_total',
    help: 'Intune notification delivery attempts, by kind (success/failure notification) and result (sent/failed).',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  private readonly purgedRecords = new Counter({
    name: 'scep_challenge_records_purged_total',
    help: 'Records deleted by housekeeping after their retention, by kind (dynamic_challenge, intune_notification).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly underAttack = new Counter({
    name: 'scep_challenge_profile_under_attack_total',
    help: 'Failed verifications counted while their profile was over its attack threshold (per-client limits tightened).',
    registers: [this.registry],
  });

  private readonly outboundRefusals = new Counter({
    name: 'scep_challenge_outbound_refusals_total',
    help: 'Outbound calls refused before sending, by purpose (webhook, intune) and cause (destination: address, port or host not allowed; concurrency / rate: over the per-tenant or per-replica limit).',
    labelNames: ['purpose', 'cause'] as const,
    registers: [this.registry],
  });

  constructor(private readonly service: ServiceMetrics) {
    const config = challengeConfig();
    const limit = new Gauge({
      name: 'scep_challenge_failure_limit',
      help: 'Configured failed verifications per window: per client on a profile (client, client_under_attack), and the profile attack threshold (profile).',
      labelNames: ['scope'] as const,
      registers: [this.registry],
    });
    limit.set({ scope: 'profile' }, config.CHALLENGE_FAILURES_PER_PROFILE);
    limit.set({ scope: 'client' }, config.CHALLENGE_FAILURES_PER_CLIENT);
    limit.set({ scope: 'client_under_attack' }, Math.min(config.CHALLENGE_FAILURES_PER_CLIENT_UNDER_ATTACK, config.CHALLENGE_FAILURES_PER_CLIENT));
    new Gauge({ name: 'scep_challenge_failure_window_seconds', help: 'Configured failure counting window.', registers: [this.registry] }).set(
      config.CHALLENGE_FAILURE_WINDOW_SECONDS,
    );
    new Gauge({ name: 'scep_challenge_lockout_seconds', help: 'Configured lockout duration.', registers: [this.registry] }).set(config.CHALLENGE_LOCKOUT_SECONDS);
  }

  verification(mode: VerificationMode, decision: 'accept' | 'reject', reason: string | undefined, seconds: number): void {
    this.verifications.inc({ mode, decision, reason: reason ?? 'none' });
    this.verificationSeconds.observe({ mode }, seconds);
  }

  lockout(scope: 'client'): void {
    this.lockouts.inc({ scope });
  }

  profileUnderAttack(): void {
    this.underAttack.inc();
  }

  rateLimiterError(): void {
    this.rateLimiterErrors.inc();
  }

  intuneNotification(kind: 'success' | 'failure', result: 'sent' | 'failed'): void {
    this.intuneNotifications.inc({ kind, result });
  }

  outboundRefused(purpose: 'webhook' | 'intune', cause: 'destination' | 'concurrency' | 'rate'): void {
    this.outboundRefusals.inc({ purpose, cause });
  }

  recordsPurged(kind: 'dynamic_challenge' | 'intune_notification', count: number): void {
    if (count > 0) this.purgedRecords.inc({ kind }, count);
  }
}
