import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { SigningApproval } from '@scep/contracts';
import { type ApprovalKeys, approvalIsAuthentic, deriveApprovalKeys } from '@scep/signing-approval';
import { ServiceMetrics } from '@scep/telemetry';
import { signerConfig } from '../signer-config';

export type ApprovalVerdict = 'authentic' | 'forged' | 'expired';

/**
 * The gate in front of every signature (docs/adr/007-enrollment-path-v2.md): a job is signed only if its approval
 * is authenticated by the key that only the policy service shares with the signer, and still within its validity.
 * Anything else — a job added by anyone with Redis access, an altered plan, an approval replayed under another
 * enrollment, tenant or CA — is refused, logged and counted (scep_signer_jobs_refused_total).
 */
@Injectable()
export class ApprovalCheck {
  private readonly logger = new Logger(ApprovalCheck.name);
  private readonly keys: ApprovalKeys = deriveApprovalKeys(signerConfig().SIGNER_APPROVAL_KEY);
  private readonly refused: Counter<'reason'>;

  constructor(metrics: ServiceMetrics) {
    this.refused = new Counter({
      name: 'scep_signer_jobs_refused_total',
      help: 'Signing jobs refused before any signature: forged or altered approvals, and approvals past their validity.',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  }

  /** Checks without side effects (used again when a job fails for good, to decide whether to report it). */
  verdict(approval: SigningApproval, mac: string, now = Date.now()): ApprovalVerdict {
    if (!approvalIsAuthentic(this.keys, approval, mac)) return 'forged';
    return Date.parse(approval.expiresAt) <= now ? 'expired' : 'authentic';
  }

  /** The verdict, with the refusal logged and counted. */
  check(approval: SigningApproval, mac: string, jobId: string | undefined): ApprovalVerdict {
    const verdict = this.verdict(approval, mac);
    if (verdict !== 'authentic') {
      this.refused.inc({ reason: verdict });
      const context = { jobId, tenantId: approval.tenantId, caId: approval.caId, enrollmentId: approval.enrollmentId, reason: verdict };
      if (verdict === 'forged') this.logger.error(context, 'refused a signing job whose approval the policy service did not make');
      else this.logger.warn(context, 'refused a signing job whose approval has expired');
    }
    return verdict;
  }

  get outcomeKeys(): ApprovalKeys {
    return this.keys;
  }
}
