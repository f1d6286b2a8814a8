import { Injectable } from '@nestjs/common';
import type { CertificatePlan, SigningApproval, SigningOutcome } from '@scep/contracts';
import { encodeDistinguishedName } from '@scep/pki';
import { type ApprovalKeys, deriveApprovalKeys, outcomeIsAuthentic, signApproval } from '@scep/signing-approval';
import type { SubjectSource } from '../decision/evaluate';
import { policyConfig } from '../policy-config';

const HOUR_MS = 3_600_000;

/** What an approval is built from: the transaction, the decision's plan, and the DER the CSR carried. */
export interface ApprovalInput {
  readonly tenantId: string;
  readonly profileId: string;
  readonly caId: string;
  readonly enrollmentId: string;
  readonly plan: CertificatePlan;
  readonly subjectSource: SubjectSource;
  readonly csr: { readonly subjectDer: Buffer; readonly spkiDer: Buffer; readonly subjectAltNameDer?: Buffer };
}

/**
 * The policy service's half of the signing approval (docs/adr/007-enrollment-path-v2.md): it alone, with the signer,
 * holds the key that makes a plan signable, and it checks the outcomes the signer reports with the same secret.
 */
@Injectable()
export class SigningApprovals {
  private readonly keys: ApprovalKeys = deriveApprovalKeys(policyConfig().POLICY_APPROVAL_KEY);
  private readonly ttlMs = policyConfig().POLICY_APPROVAL_TTL_HOURS * HOUR_MS;

  approve(input: ApprovalInput, now = new Date()): { approval: SigningApproval; mac: string } {
    const approval: SigningApproval = {
      version: 1,
      tenantId: input.tenantId,
      profileId: input.profileId,
      caId: input.caId,
      enrollmentId: input.enrollmentId,
      plan: input.plan,
      der: {
        subject: (input.subjectSource === 'template' ? encodeDistinguishedName(input.plan.subject) : input.csr.subjectDer).toString('base64'),
        subjectPublicKeyInfo: input.csr.spkiDer.toString('base64'),
        // SANs pass into the certificate as the CSR requested them once every SAN rule held (and only then).
        ...(input.plan.subjectAltNames.length > 0 && input.csr.subjectAltNameDer ? { subjectAltName: input.csr.subjectAltNameDer.toString('base64') } : {}),
      },
      approvedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
    };
    return { approval, mac: signApproval(this.keys, approval) };
  }

  /** Whether an outcome really comes from the signer (a forged "issued" must not mark a transaction). */
  outcomeIsAuthentic(outcome: SigningOutcome, mac: string): boolean {
    return outcomeIsAuthentic(this.keys, outcome, mac);
  }

  /** How long an approval made now stays signable. */
  get approvalTtlMs(): number {
    return this.ttlMs;
  }
}
