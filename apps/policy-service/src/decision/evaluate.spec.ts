import { PolicyRules } from '@scep/contracts';
import { type EvaluationInput, evaluate } from './evaluate';

const now = new Date('2026-06-01T00:00:00Z');
const base = { subject: 'CN=device-1,O=Acme', subjectAltNames: [] as Array<{ type: string; value: string }>, keyAlgorithm: 'rsa', keySize: 2048 };
const run = (rules: unknown, overrides: Partial<EvaluationInput> = {}, csr: Partial<typeof base> = {}) =>
  evaluate({ csr: { ...base, ...csr }, rules: PolicyRules.parse(rules), profileValidityDays: 365, challengeMode: 'static', now, ...overrides });
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
    const renewal = { subject: base.subject, notBefore: new Date('2026-01-01Z'), notAfter: new Date('2026-12-01Z'), known: true, revoked: false };
    expect(run({ duplicates: 'refuse-while-valid' }, { duplicateExists: true, renewal }).outcome).toBe('approve');
  });

  it('puts manual-approval requests in pending, except renewals and Intune profiles', () => {
    expect(run({ approval: { mode: 'manual' } }).outcome).toBe('pending');
    expect(run({ approval: { mode: 'manual' } }, { challengeMode: 'intune' }).outcome).toBe('approve');
    const renewal = { subject: base.subject, notBefore: new Date('2026-01-01Z'), notAfter: new Date('2026-12-01Z'), known: true, revoked: false };
    expect(run({ approval: { mode: 'manual' } }, { renewal }).outcome).toBe('approve');
    expect(refusedBy(run({ approval: { mode: 'manual' } }, {}, { keySize: 1024 }))).toBe('key');
  });

  describe('renewal', () => {
    const cert = { subject: base.subject, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-12-31T00:00:00Z'), known: true, revoked: false };
    it.each([
      ['unknown certificate', { known: false }, {}, 'badCertId', 'renewal-certificate-known'],
      ['revoked certificate', { revoked: true }, {}, 'badCertId', 'renewal-not-revoked'],
      ['expired certificate', { notAfter: new Date('2026-05-01T00:00:00Z') }, {}, 'badCertId', 'renewal-validity'],
      ['not yet valid certificate', { notBefore: new Date('2026-07-01T00:00:00Z') }, {}, 'badCertId', 'renewal-validity'],
      ['renewal not allowed', {}, { allowed: false }, 'badRequest', 'renewal-allowed'],
      ['too early for the window', {}, { earliestDaysBeforeExpiry: 30 }, 'badRequest', 'renewal-window'],
    ] as const)('refuses: %s', (_name, certOverride, renewalRules, failInfo, rule) => {
      const decision = run({ renewal: renewalRules }, { renewal: { ...cert, ...certOverride } });
      expect(decision).toMatchObject({ outcome: 'reject', failInfo });
      expect(refusedBy(decision)).toBe(rule);
    });

    it('accepts inside the window and within the grace period, and a changed subject only when allowed', () => {
      expect(run({ renewal: { earliestDaysBeforeExpiry: 240 } }, { renewal: cert }).outcome).toBe('approve');
      expect(run({ renewal: { graceDaysAfterExpiry: 10 } }, { renewal: { ...cert, notAfter: new Date('2026-05-25T00:00:00Z') } }).outcome).toBe('approve');
      expect(refusedBy(run({}, { renewal: cert }, { subject: 'CN=someone-else' }))).toBe('renewal-same-subject');
      expect(run({ renewal: { requireSameSubject: false } }, { renewal: cert }, { subject: 'CN=someone-else' }).outcome).toBe('approve');
    });
  });
});
