import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  AllJobs,
  ChallengeMint,
  ChallengeNotifyOutcome,
  ChallengeSetStatic,
  ChallengeVerify,
  EnrollmentStatus,
  EnrollmentSubmit,
  GenerateCa,
  IssueRaCredential,
  JobIds,
  PolicySetRules,
  RefreshCrls,
  RefreshOcspResponders,
  ReleaseCertificateHold,
  RevokeCertificates,
  OcspRespond,
  SendIntuneNotification,
  serialHex,
  PolicyRules,
  type JobContract,
  SignCertificate,
  rpcSubject,
} from './index';

const id = randomUUID();
const fp = 'a'.repeat(64);
const facts = { subject: 'CN=x', keyFingerprint: fp, subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 2048 };
const approval = {
  version: 1 as const,
  tenantId: id,
  profileId: id,
  caId: id,
  enrollmentId: id,
  plan: { subject: 'CN=x', subjectAltNames: [{ type: 'dns', value: 'x.example' }], keyUsage: ['digitalSignature' as const], extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'], validityDays: 30 },
  der: { subject: 'MA0xCzAJBgNVBAMMAng=', subjectPublicKeyInfo: 'MIIB', subjectAltName: 'MAA=' },
  approvedAt: '2026-12-07T00:00:00.000Z',
  expiresAt: '2026-12-14T00:00:00.000Z',
};

/** A producer's payload must survive the JSON hop and the consumer's parse unchanged (contract test). */
function roundTrip<T extends z.ZodType>(schema: T, value: z.input<T>): unknown {
  return schema.parse(JSON.parse(JSON.stringify(schema.parse(value))));
}

describe('RPC contracts', () => {
  it.each([
    [ChallengeVerify.request, { tenantId: id, profileId: id, transactionId: 'tx', messageType: 19, challenge: 'secret', csr: facts, csrDer: 'AAAA' }],
    [ChallengeVerify.response, { decision: 'reject', reason: 'mismatch' }],
    [ChallengeSetStatic.request, { tenantId: id, profileId: id, challenge: 'long-enough-secret', overlapSeconds: 3600 }],
    [ChallengeMint.request, { tenantId: id, profileId: id, ttlSeconds: 600, expectedSubject: 'CN=x', expectedSans: [{ type: 'dns', value: 'a.example' }], actor: 'key:1' }],
    [ChallengeNotifyOutcome.request, { tenantId: id, profileId: id, transactionId: 'tx', csrDer: 'AA==', outcome: { kind: 'failed', hResult: -2147467259, description: 'policy' } }],
    [EnrollmentSubmit.request, { tenantId: id, profileId: id, transactionId: 'tx', messageType: 19, csrDer: 'AA==', signerFingerprint: fp, signerCertificateFingerprint: fp, issuingCaId: id, requestCipher: 'des-cbc', requestDigest: 'sha1', clientAddress: '192.0.2.1' }],
    [EnrollmentSubmit.request, { tenantId: id, profileId: id, transactionId: 'tx', messageType: 17, csrDer: 'AA==', signerFingerprint: fp, signerCertificateFingerprint: fp, issuingCaId: id, renewal: { caId: id, serialHex: '0A1B', signedMessage: 'MIIB' }, requestCipher: 'aes-256-cbc', requestDigest: 'sha256' }],
    [PolicySetRules.request, { tenantId: id, profileId: id, actor: 'key:abc', rules: PolicyRules.parse({ renewal: { earliestDaysBeforeExpiry: 30 } }) }],
    [EnrollmentSubmit.response, { state: 'pending' }],
    [EnrollmentSubmit.response, { state: 'issued', certificateDer: 'MIIB', serialHex: '0A' }],
    [EnrollmentSubmit.response, { state: 'rejected', failInfo: 'badRequest', reason: 'why' }],
    [EnrollmentStatus.response, { state: 'unknown' }],
  ] as Array<[z.ZodType, unknown]>)('round-trips %#', (schema, value) => {
    expect(roundTrip(schema, value)).toEqual(value);
  });

  it('refuses what the consumer must not accept', () => {
    expect(EnrollmentSubmit.request.safeParse({ tenantId: 'not-a-uuid' }).success).toBe(false);
    expect(ChallengeSetStatic.request.safeParse({ tenantId: id, profileId: id, challenge: 'short' }).success).toBe(false);
    expect(EnrollmentSubmit.response.safeParse({ state: 'rejected', failInfo: 'badMood', reason: 'x' }).success).toBe(false);
  });

  it('validates policy rules on write, with defaults for what is omitted', () => {
    const defaults = PolicyRules.parse({});
    expect(defaults.renewal).toEqual({
      allowed: true,
      earliestDaysBeforeExpiry: 30,
      graceDaysAfterExpiry: 0,
      maxRenewalsPerCertificate: 1,
      fromProfiles: [],
      requireSameSubject: true,
      requireSameSubjectAltNames: true,
    });
    expect(defaults.keys).toEqual({ rsa: { minBits: 2048, maxBits: 8192 }, ec: null });
    expect(defaults.approval).toEqual({ mode: 'auto', pendingTtlHours: 72 });
    expect(defaults.extendedKeyUsage).toEqual(['clientAuth']);
    const issues = (value: unknown) => PolicyRules.safeParse(value).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(issues({ renewal: { graceDaysAfterExpiry: 365 } })).toEqual(['renewal.graceDaysAfterExpiry']);
    expect(issues({ renewal: { allowed: true, surprise: 1 } })).toEqual(['renewal']);
    expect(issues({ subject: { template: [{ type: 'CN', pattern: '([a-z' }] } })).toEqual(['subject.template.0.pattern']);
    expect(issues({ subject: { template: [{ type: 'O', source: 'fixed' }] } })).toEqual(['subject.template.0.value']);
    expect(issues({ keys: { rsa: { minBits: 4096, maxBits: 2048 } } })).toEqual(['keys.rsa.minBits']);
    expect(issues({ keys: { rsa: null, ec: null } })).toEqual(['keys']);
    expect(issues({ extendedKeyUsage: ['anything'] })).toEqual(['extendedKeyUsage.0']);
    expect(issues({ subjectAltNames: { dns: { allowed: false, required: true } } })).toEqual(['subjectAltNames.dns.required']);
    expect(defaults.ocspUrl).toBe('default');
    expect(issues({ ocspUrl: 'ftp://ocsp.acme.test' })).toEqual(['ocspUrl']);
    expect(issues({ ocspUrl: 'http://ocsp.acme.test/ünicode' })).toEqual(['ocspUrl']);
    expect(issues({ ocspUrl: 'http://ocsp.acme.test/' })).toEqual([]);
  });

  it('namespaces subjects', () => {
    expect(rpcSubject('prod-eu', ChallengeVerify)).toBe('prod-eu.challenge.verify');
  });
});

describe('job contracts', () => {
  const payloads = new Map<JobContract<z.ZodType, z.ZodType>, unknown>([
    [SignCertificate, { approval, mac: 'A'.repeat(43) + '=', replyTo: 'scep.policy.signing-outcome.0a1b2c' }],
    [GenerateCa, { tenantId: id, caId: id, name: 'ca', subjectDn: 'CN=ca', keySize: 4096, validityDays: 3650 }],
    [IssueRaCredential, { tenantId: id, caId: id, raCredentialId: id, subjectDn: 'CN=ra', validityDays: 365 }],
    [RefreshCrls, {}],
    [RefreshOcspResponders, { tenantId: id }],
    [RevokeCertificates, { tenantId: id, selector: { kind: 'bulk', profileId: id, subjectContains: 'laptop', expectedCount: 12 }, reasonCode: 5, comment: 'fleet retired', actor: 'api-key:0123456789abcdef' }],
    [ReleaseCertificateHold, { tenantId: id, serialHex: '0A1B', actor: 'api-key:0123456789abcdef' }],
    [SendIntuneNotification, { tenantId: id, notificationId: id }],
  ]);

  it('has an example for every job (a new job must be added here)', () => {
    expect(AllJobs.every((job) => payloads.has(job))).toBe(true);
  });

  it.each([...payloads.entries()].map(([job, payload]) => [job.name, job, payload] as const))('%s payload round-trips', (_name, job, payload) => {
    expect(roundTrip(job.payload, payload as never)).toEqual(payload);
  });

  it('refuses a CSR-requested EKU that is not an OID and an out-of-range key size', () => {
    const signing = payloads.get(SignCertificate) as { approval: typeof approval };
    expect(SignCertificate.payload.safeParse({ ...signing, approval: { ...approval, plan: { ...approval.plan, extendedKeyUsage: ['anything'] } } }).success).toBe(false);
    expect(SignCertificate.payload.safeParse({ ...signing, replyTo: 'elsewhere.>' }).success).toBe(false);
    expect(SignCertificate.payload.safeParse({ ...signing, mac: 'short' }).success).toBe(false);
    expect(GenerateCa.payload.safeParse({ ...(payloads.get(GenerateCa) as object), keySize: 1024 }).success).toBe(false);
  });

  it('revocations: RFC 5280 reasons the API offers, serials in the platform format, bulk only with a selection', () => {
    const base = payloads.get(RevokeCertificates) as { selector: object };
    expect(RevokeCertificates.payload.safeParse({ ...base, reasonCode: 8 }).success).toBe(false); // removeFromCRL: delta CRLs only
    expect(RevokeCertificates.payload.safeParse({ ...base, reasonCode: 2 }).success).toBe(false); // cACompromise
    expect(RevokeCertificates.payload.safeParse({ ...base, selector: { kind: 'bulk', expectedCount: 3 } }).success).toBe(false);
    expect(RevokeCertificates.payload.safeParse({ ...base, selector: { kind: 'bulk', profileId: id, expectedCount: 10_001 } }).success).toBe(false);
    expect(['0A1B', '7F', '00', 'FF00'].map((v) => serialHex.safeParse(v).success)).toEqual([true, true, true, true]);
    expect(['0a1b', 'A1B', '000A', '', 'XYZ0'].map((v) => serialHex.safeParse(v).success)).toEqual([false, false, false, false, false]);
    expect(OcspRespond.request.safeParse({ tenantId: id, caId: id, requestDer: 'MAA=' }).success).toBe(true);
    expect(OcspRespond.response.safeParse({ result: 'refused', status: 'sigRequired', reason: 'x' }).success).toBe(false);
  });

  it('builds job ids BullMQ accepts (no ":"), deterministic per object', () => {
    for (const build of Object.values(JobIds)) {
      expect(build(id, id)).not.toContain(':');
      expect(build(id, id)).toBe(build(id, id));
    }
    expect(JobIds.signCertificate(id, id)).not.toBe(JobIds.generateCa(id, id));
  });
});
