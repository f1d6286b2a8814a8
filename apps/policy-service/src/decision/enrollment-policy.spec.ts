import { evaluateEnrollment } from './enrollment-policy';

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
