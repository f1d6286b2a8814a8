import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ServiceMetrics } from '@scep/telemetry';

/** CRLReason names (RFC 5280 §5.3.1), the closed set of the `reason` label. */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReasonName = (typeof REVOCATION_REASONS)[number];

/**
 * Certificate lifecycle metrics of the admin API: scep_certificates_revoked_total{reason}. The revocation API calls
 * `revoked` once per certificate it revoked (not for a repeated request that changed nothing).
 */
@Injectable()
export class CertificateMetrics {
  private readonly revocations: Counter<'reason'>;

  constructor(metrics: ServiceMetrics) {
    this.revocations = new Counter({
      name: 'scep_certificates_revoked_total',
      help: 'Certificates revoked through the admin API, by CRLReason (RFC 5280 §5.3.1).',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  }

  /** One certificate revoked; a reason outside RFC 5280's names counts as "unspecified". */
  revoked(reason: RevocationReasonName): void {
    this.revocations.inc({ reason: (REVOCATION_REASONS as readonly string[]).includes(reason) ? reason : 'unspecified' });
  }
}
