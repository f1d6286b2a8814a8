import { PolicyRules } from '@scep/contracts';
import { type EvaluationInput, evaluate } from './evaluate';
import type { RenewalFacts } from './renewal-rules';

const now = new Date('2026-06-01T00:00:00Z');
const base = { subject: 'CN=device-1,O=Acme', subjectAltNames: [] as Array<{ type: string; value: string }>, keyAlgorithm: 'rsa', keySize: 2048 };
const run = (rules: unknown, overrides: Partial<EvaluationInput> = {}, csr: Partial<typeof base> = {}) =>
  evaluate({ csr: { ...base, ...csr }, rules: PolicyRules.parse(rules), profileValidityDays: 365, challengeMode: 'static', now, ...overrides });
/** A certificate this profile issued, renewable (inside the default 30-day window) and never renewed. */
const renewable = (overrides: Partial<RenewalFacts> = {}): RenewalFacts => ({
  known: true,
  subject: base.subject,
  subjectAltNames: [],
  notBefore: new Date('2025-06-15T00:00:00Z'),
  notAfter: new Date('2026-06-15T00:00:00Z'),
  revoked: false,
  issuedBy: 'self',
  renewalsSoFar: 0,
  ...overrides,
});
const refusedBy = (decision: ReturnType<typeof evaluate>) => (decision.outcome === 'reject' ? decision.reason.split(':')[0] : undefined);

describe('evaluate (policy rules)', () => {
  it('approves with the defaults and plans the certificate from the rules, not the CSR', () => {
    const decision = run({});
    expect(decision.outcome).toBe('approve');
    expect(decision.subjectSource).toBe('csr');
    expect(decision.plan).toEqual({
      subject: 'CN=device-1,O=Acme',
      subjectAltNames: [],
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
      validityDays: 365,
    });
  });

  it("plans the profile's OCSP URL for authorityInfoAccess: none, its own, or (omitted) the platform's", () => {
    expect(run({ ocspUrl: 'none' }).plan).toMatchObject({ ocspUrl: 'none' });
    expect(run({ ocspUrl: 'http://ocsp.acme.test/' }).plan).toMatchObject({ ocspUrl: 'http://ocsp.acme.test/' });
    expect(run({ ocspUrl: 'default' }).plan).not.toHaveProperty('ocspUrl');
  });

  describe('keys', () => {
    it.each([
      [{}, { keySize: 1024 }, 'key'],
      [{}, { keySize: 16384 }, 'key'],
      [{}, { keyAlgorithm: 'ec', keySize: 256 }, 'key'],
      [{ keys: { rsa: null, ec: { curves: ['P-256'] } } }, { keyAlgorithm: 'rsa', keySize: 2048 }, 'key'],
      [{ keys: { ec: { curves: ['P-384'] } } }, { keyAlgorithm: 'ec', keySize: 256 }, 'key'],
      [{}, { keyAlgorithm: 'other', keySize: 0 }, 'key'],
    ])('refuses %j for %j', (rules, csr, rule) => expect(refusedBy(run(rules, {}, csr))).toBe(rule));

    it.each([
      [{ keys: { rsa: { minBits: 3072, maxBits: 4096 } } }, { keySize: 4096 }],
      [{ keys: { ec: { curves: ['P-256', 'P-384'] } } }, { keyAlgorithm: 'ec', keySize: 384 }],
    ])('allows %j for %j', (rules, csr) => expect(run(rules, {}, csr).outcome).toBe('approve'));
  });

  describe('subject template', () => {
    const template = {
      subject: {
        template: [
          { type: 'CN', pattern: 'device-[0-9]+' },
          { type: 'OU', required: false },
          { type: 'O', source: 'fixed', value: 'Acme Devices' },
        ],
      },
    };

    it('builds the issued subject: CSR values in template order, fixed values imposed over what the CSR says', () => {
      const decision = run(template, {}, { subject: 'CN=device-7,OU=Sales,O=Whatever' });
      expect(decision.outcome).toBe('approve');
      expect(decision.plan?.subject).toBe('CN=device-7,OU=Sales,O=Acme Devices');
      expect(decision.subjectSource).toBe('template');
    });

    it('refuses or drops CSR attributes the template does not mention', () => {
      expect(refusedBy(run(template, {}, { subject: 'CN=device-7,L=Paris' }))).toBe('subject-other-attributes');
      const dropping = run({ subject: { ...template.subject, otherAttributes: 'drop' } }, {}, { subject: 'CN=device-7,L=Paris' });
      expect(dropping.outcome).toBe('approve');
      expect(dropping.plan?.subject).toBe('CN=device-7,O=Acme Devices');
      expect(dropping.subjectSource).toBe('template');
    });

    it('refuses a missing required attribute and a value that does not match the pattern', () => {
      expect(refusedBy(run(template, {}, { subject: 'OU=Sales' }))).toBe('subject-CN');
      expect(refusedBy(run(template, {}, { subject: 'CN=laptop-7' }))).toBe('subject-CN');
      expect(run(template, {}, { subject: 'CN=device-12' }).plan?.subject).toBe('CN=device-12,O=Acme Devices');
    });

    it('escapes values it composes', () => {
      const decision = run({ subject: { template: [{ type: 'CN' }, { type: 'O', source: 'fixed', value: 'Acme, Inc.' }] } }, {}, { subject: 'CN=a\\+b' });
      expect(decision.plan?.subject).toBe('CN=a\\+b,O=Acme\\, Inc.');
      expect(decision.subjectSource).toBe('template');
    });
  });

  describe('subjectAltNames', () => {
    const sans = (...list: Array<[string, string]>) => ({ subjectAltNames: list.map(([type, value]) => ({ type, value })) });

    it('allows no SAN type by default: each must be named in the rules', () => {
      for (const [type, value] of [['dns', 'a.example.com'], ['email', 'a@example.com'], ['uri', 'urn:x'], ['ip', '192.0.2.1']]) {
        expect(refusedBy(run({}, {}, sans([type as string, value as string])))).toBe(`san-${type}`);
        expect(run({ subjectAltNames: { [type as string]: {} } }, {}, sans([type as string, value as string])).outcome).toBe('approve');
      }
    });

    it.each([
      [{ subjectAltNames: { dns: { required: true } } }, sans(), 'san-dns'],
      [{ subjectAltNames: { ip: { allowed: false } } }, sans(['ip', '10.0.0.1']), 'san-ip'],
      [{ subjectAltNames: { dns: { pattern: '[a-z0-9-]+\\.corp\\.example' } } }, sans(['dns', 'evil.example']), 'san-dns'],
      [{ subjectAltNames: { dns: { max: 1 } } }, sans(['dns', 'a.corp.example'], ['dns', 'b.corp.example']), 'san-dns'],
      [{}, sans(['other', '0']), 'san-other'],
      [{ subjectAltNames: { uri: { allowed: false } } }, sans(['uri', 'tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001']), 'san-uri'],
    ])('refuses %j for %j', (rules, csr, rule) => expect(refusedBy(run(rules, {}, csr))).toBe(rule));

    it('passes matching SANs and the Intune SID URI when the profile allows it', () => {
      expect(run({ subjectAltNames: { dns: { pattern: '[a-z0-9-]+\\.corp\\.example', required: true } } }, {}, sans(['dns', 'pc-1.corp.example'])).outcome).toBe('approve');
      const sid = sans(['uri', 'tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001']);
      expect(run({ subjectAltNames: { uri: { allowed: false }, allowIntuneSid: true } }, {}, sid).outcome).toBe('approve');
    });
  });

  it('takes validity, key usage and EKU from the rules', () => {
    const decision = run({ validityDays: 30, keyUsage: ['digitalSignature'], extendedKeyUsage: ['serverAuth', '1.2.3.4'] });
    expect(decision.plan).toMatchObject({ validityDays: 30, keyUsage: ['digitalSignature'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.1', '1.2.3.4'] });
  });

  it('refuses a duplicate while a valid certificate with the subject exists (not for renewals)', () => {
    expect(refusedBy(run({ duplicates: 'refuse-while-valid' }, { duplicateExists: true }))).toBe('duplicates');
    expect(run({ duplicates: 'refuse-while-valid' }, { duplicateExists: false }).outcome).toBe('approve');
    expect(run({}, { duplicateExists: true }).outcome).toBe('approve');
    expect(run({ duplicates: 'refuse-while-valid' }, { duplicateExists: true, renewal: renewable() }).outcome).toBe('approve');
  });

  it('puts manual-approval requests in pending, except renewals that keep the subject and SANs, and Intune profiles', () => {
    expect(run({ approval: { mode: 'manual' } }).outcome).toBe('pending');
    expect(run({ approval: { mode: 'manual' } }, { challengeMode: 'intune' }).outcome).toBe('approve');
    expect(run({ approval: { mode: 'manual' } }, { renewal: renewable() }).outcome).toBe('approve');
    expect(refusedBy(run({ approval: { mode: 'manual' } }, {}, { keySize: 1024 }))).toBe('key');
    // Where the rules let a renewal change the subject or SANs, an operator decides on a manual profile.
    const lenient = { approval: { mode: 'manual' }, renewal: { requireSameSubject: false, requireSameSubjectAltNames: false } };
    expect(run(lenient, { renewal: renewable() }, { subject: 'CN=someone-else' }).outcome).toBe('pending');
    expect(run({ ...lenient, subjectAltNames: { dns: {} } }, { renewal: renewable() }, { subjectAltNames: [{ type: 'dns', value: 'new.example.com' }] }).outcome).toBe('pending');
    expect(run({ renewal: { requireSameSubject: false } }, { renewal: renewable() }, { subject: 'CN=someone-else' }).outcome).toBe('approve');
  });

  describe('renewal', () => {
    it.each([
      ['unknown certificate (or a signature that does not verify with it)', { known: false, unknownReason: 'not signed by it' }, {}, 'badCertId', 'renewal-certificate-known'],
      ['certificate of another profile', { issuedBy: { profileSlug: 'static-wifi' } }, {}, 'badCertId', 'renewal-profile'],
      ['revoked certificate', { revoked: true }, {}, 'badCertId', 'renewal-not-revoked'],
      ['expired certificate', { notAfter: new Date('2026-05-01T00:00:00Z') }, {}, 'badCertId', 'renewal-validity'],
      ['not yet valid certificate', { notBefore: new Date('2026-07-01T00:00:00Z') }, {}, 'badCertId', 'renewal-validity'],
      ['renewal not allowed', {}, { allowed: false }, 'badRequest', 'renewal-allowed'],
      ['too early for the default window (30 days before expiry)', { notAfter: new Date('2026-12-31T00:00:00Z') }, {}, 'badRequest', 'renewal-window'],
      ['already renewed once (the default)', { renewalsSoFar: 1 }, {}, 'badRequest', 'renewal-count'],
      ['renewed as often as allowed', { renewalsSoFar: 3 }, { maxRenewalsPerCertificate: 3 }, 'badRequest', 'renewal-count'],
    ] as const)('refuses: %s', (_name, certOverride, renewalRules, failInfo, rule) => {
      const decision = run({ renewal: renewalRules }, { renewal: renewable(certOverride as Partial<RenewalFacts>) });
      expect(decision).toMatchObject({ outcome: 'reject', failInfo });
      expect(refusedBy(decision)).toBe(rule);
    });

    it('accepts inside the window, within the grace period, from a listed profile, and any time when the window is off', () => {
      expect(run({}, { renewal: renewable() }).outcome).toBe('approve');
      expect(run({ renewal: { graceDaysAfterExpiry: 10 } }, { renewal: renewable({ notAfter: new Date('2026-05-25T00:00:00Z') }) }).outcome).toBe('approve');
      expect(run({ renewal: { fromProfiles: ['static-wifi'] } }, { renewal: renewable({ issuedBy: { profileSlug: 'static-wifi' } }) }).outcome).toBe('approve');
      expect(run({ renewal: { earliestDaysBeforeExpiry: null } }, { renewal: renewable({ notAfter: new Date('2027-06-01T00:00:00Z') }) }).outcome).toBe('approve');
      expect(run({ renewal: { maxRenewalsPerCertificate: 2 } }, { renewal: renewable({ renewalsSoFar: 1 }) }).outcome).toBe('approve');
    });

    it('keeps the subject and SANs unless the rules allow a change; SANs compare as sets, DNS names without case', () => {
      const held = renewable({ subjectAltNames: [{ type: 'dns', value: 'a.example.com' }, { type: 'ip', value: '192.0.2.1' }] });
      const sameSans = [{ type: 'ip', value: '192.0.2.1' }, { type: 'dns', value: 'A.Example.com' }];
      const sansAllowed = { subjectAltNames: { dns: {}, ip: {} } };
      expect(run(sansAllowed, { renewal: held }, { subjectAltNames: sameSans }).outcome).toBe('approve');
      expect(refusedBy(run(sansAllowed, { renewal: held }, { subjectAltNames: [{ type: 'dns', value: 'a.example.com' }] }))).toBe('renewal-same-subject-alt-names');
      expect(refusedBy(run(sansAllowed, { renewal: held }, { subjectAltNames: [...sameSans, { type: 'dns', value: 'evil.example.com' }] }))).toBe('renewal-same-subject-alt-names');
      expect(refusedBy(run(sansAllowed, { renewal: held }, { subject: 'CN=someone-else', subjectAltNames: sameSans }))).toBe('renewal-same-subject');
      expect(run({ renewal: { requireSameSubject: false, requireSameSubjectAltNames: false } }, { renewal: held }, { subject: 'CN=someone-else' }).outcome).toBe('approve');
    });
  });
});
