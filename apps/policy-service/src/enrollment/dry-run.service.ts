import { Injectable } from '@nestjs/common';
import type { PolicyDryRun, RpcRequest, RpcResponse } from '@scep/contracts';
import { PkiError, parseCsr } from '@scep/pki';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { EnrollmentService } from './enrollment.service';

/** Message type of a first enrollment (RFC 8894 §3.3.1). */
const PKCS_REQ = 19;

/**
 * The decision a CSR would get under a profile's rules in force, with every rule's result and the certificate it
 * would produce — recording nothing, issuing nothing, consuming no challenge.
 */
@Injectable()
export class DryRunService {
  constructor(
    private readonly profiles: ProfileSettingsCache,
    private readonly enrollments: EnrollmentService,
  ) {}

  async run(request: RpcRequest<typeof PolicyDryRun>): Promise<RpcResponse<typeof PolicyDryRun>> {
    const profile = await this.profiles.get(request.tenantId, request.profileId);
    if (!profile) return { outcome: 'reject', failInfo: 'badRequest', reason: 'profile not found', policyVersion: 0, rules: [] };
    let csr;
    try {
      csr = parseCsr(Buffer.from(request.csrDer, 'base64'));
    } catch (error) {
      const reason = error instanceof PkiError ? `csr: ${error.code.toLowerCase()}` : 'csr: unreadable';
      return { outcome: 'reject', failInfo: 'badRequest', reason, policyVersion: 0, rules: [{ rule: 'csr', passed: false, detail: reason }] };
    }
    const signature = { rule: 'csr-signature', passed: csr.signatureValid, detail: csr.signatureValid ? 'valid' : 'the CSR signature does not verify' };
    const facts = {
      subject: csr.subject,
      subjectAltNames: csr.subjectAltNames.map((san) => (san.type === 'other' ? { type: 'other', value: String(san.tag) } : { type: san.type, value: san.value })),
      keyAlgorithm: csr.keyAlgorithm,
      keySize: csr.keySize,
    };
    const { decision, policyVersion } = await this.enrollments.decide(profile, facts, undefined, PKCS_REQ);
    const rules = [signature, ...decision.rules.map(({ rule, passed, detail }) => ({ rule, passed, detail }))];
    const certificate = decision.plan;
    if (!csr.signatureValid) return { outcome: 'reject', failInfo: 'badMessageCheck', reason: `${signature.rule}: ${signature.detail}`, policyVersion, rules, certificate };
    return decision.outcome === 'reject'
      ? { outcome: 'reject', failInfo: decision.failInfo, reason: decision.reason, policyVersion, rules, certificate }
      : { outcome: decision.outcome, policyVersion, rules, certificate };
  }
}
