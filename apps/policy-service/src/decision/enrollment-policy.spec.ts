import { PolicyRules } from '@scep/contracts';
import { evaluateEnrollment, renewalRules } from './enrollment-policy';

const base = { subject: 'CN=device-1,O=Acme', subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 2048 };

describe('evaluateEnrollment (baseline rules)', () => {
  it('approves an RSA-2048 request with a subject', () => {
    const decision = evaluateEnrollment(base);
    expect(decision.outcome).toBe('approve');
    expect(decision.rules.every((r) => r.passed)).toBe(true);
  });

  it.each([
    [{ keySize: 1024 }, 'key-size'],
    [{ keySize: 16384 }, 'key-size'],
    [{ keyAlgorithm: 'ec', keySize: 256 }, 'key-algorithm'],
    [{ subject: '', subjectAltNames: [] }, 'subject-present'],
  ])('rejects %o with badRequest naming rule %s', (override, rule) => {
    const decision = evaluateEnrollment({ ...base, ...override });
    expect(decision.outcome).toBe('reject');
    if (decision.outcome !== 'reject') return;
    expect(decision.failInfo).toBe('badRequest');
    expect(decision.reason.startsWith(`${rule}:`)).toBe(true);
  });

  it('accepts an empty subject when a SAN is present', () => {
    expect(evaluateEnrollment({ ...base, subject: '', subjectAltNames: [{ type: 'dns', value: 'a.example' }] }).outcome).toBe('approve');
  });
});

describe('renewal rules', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const cert = { subject: base.subject, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-12-31T00:00:00Z'), known: true, revoked: false };
  const defaults = PolicyRules.parse({}).renewal;
  const decide = (overrides: Partial<typeof cert> = {}, rules: Partial<typeof defaults> = {}, csr = base, at = now) =>
    evaluateEnrollment(csr, renewalRules({ ...defaults, ...rules }, { ...cert, ...overrides }, csr, at));

  it('approves a renewal by a valid, known, unrevoked certificate with the same subject (any time by default)', () => {
    expect(decide().outcome).toBe('approve');
  });

  it.each([
    ['unknown certificate', { known: false }, {}, 'badCertId', 'renewal-certificate-known'],
    ['revoked certificate', { revoked: true }, {}, 'badCertId', 'renewal-not-revoked'],
    ['expired certificate', { notAfter: new Date('2026-05-01T00:00:00Z') }, {}, 'badCertId', 'renewal-validity'],
    ['not yet valid certificate', { notBefore: new Date('2026-07-01T00:00:00Z') }, {}, 'badCertId', 'renewal-validity'],
    ['renewal not allowed', {}, { allowed: false }, 'badRequest', 'renewal-allowed'],
    ['too early for the window', {}, { earliestDaysBeforeExpiry: 30 }, 'badRequest', 'renewal-window'],
  ] as const)('refuses: %s', (_name, certOverride, ruleOverride, failInfo, rule) => {
    const decision = decide(certOverride, ruleOverride);
    expect(decision).toMatchObject({ outcome: 'reject', failInfo });
    if (decision.outcome === 'reject') expect(decision.reason.startsWith(`${rule}:`)).toBe(true);
  });

  it('accepts inside the window and within the grace period after expiry', () => {
    expect(decide({}, { earliestDaysBeforeExpiry: 240 }).outcome).toBe('approve');
    expect(decide({ notAfter: new Date('2026-05-25T00:00:00Z') }, { graceDaysAfterExpiry: 10 }).outcome).toBe('approve');
  });

  it('refuses a changed subject unless the profile allows it', () => {
    const renamed = { ...base, subject: 'CN=someone-else,O=Acme' };
    expect(decide({}, {}, renamed)).toMatchObject({ outcome: 'reject', failInfo: 'badRequest' });
    expect(decide({}, { requireSameSubject: false }, renamed).outcome).toBe('approve');
  });
});
