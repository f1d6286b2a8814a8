import { randomBytes, randomUUID } from 'node:crypto';
import type { SigningApproval, SigningOutcome } from '@scep/contracts';
import { deriveApprovalKeys, deriveOcspResponderWrapKey } from './approval-keys';
import { canonicalApproval } from './canonical';
import { approvalIsAuthentic, outcomeIsAuthentic, signApproval, signOutcome } from './approval-mac';

const keys = deriveApprovalKeys(randomBytes(32));
const approval: SigningApproval = {
  version: 1,
  tenantId: randomUUID(),
  profileId: randomUUID(),
  caId: randomUUID(),
  enrollmentId: randomUUID(),
  plan: {
    subject: 'CN=device-1,O=Acme',
    subjectAltNames: [{ type: 'dns', value: 'device-1.acme.test' }],
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
    validityDays: 365,
  },
  der: { subject: 'MBQxEjAQBgNVBAMMCWRldmljZS0x', subjectPublicKeyInfo: 'MIIBIjAN', subjectAltName: 'MBSCEmRldmljZS0x' },
  approvedAt: '2026-12-07T10:00:00.000Z',
  expiresAt: '2026-12-14T10:00:00.000Z',
};

describe('signing approval MAC', () => {
  const mac = signApproval(keys, approval);

  it('verifies the approval it was made for, whatever the key order of the object', () => {
    expect(approvalIsAuthentic(keys, approval, mac)).toBe(true);
    // Same values, keys in reverse order (what a JSON round trip through another encoder may produce).
    const reverse = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
    const reordered = { ...reverse(approval), plan: reverse(approval.plan), der: reverse(approval.der) };
    expect(Object.keys(reordered)[0]).toBe('expiresAt');
    expect(approvalIsAuthentic(keys, reordered, mac)).toBe(true);
  });

  // Every field an attacker could want to change: each alteration must break the MAC.
  it.each<[string, (a: SigningApproval) => SigningApproval]>([
    ['tenant', (a) => ({ ...a, tenantId: randomUUID() })],
    ['profile', (a) => ({ ...a, profileId: randomUUID() })],
    ['CA', (a) => ({ ...a, caId: randomUUID() })],
    ['enrollment (replay under another id)', (a) => ({ ...a, enrollmentId: randomUUID() })],
    ['readable subject', (a) => ({ ...a, plan: { ...a.plan, subject: 'CN=evil.example.com' } })],
    ['SANs', (a) => ({ ...a, plan: { ...a.plan, subjectAltNames: [{ type: 'dns', value: 'login.microsoftonline.com' }] } })],
    ['key usage', (a) => ({ ...a, plan: { ...a.plan, keyUsage: ['digitalSignature', 'keyEncipherment', 'nonRepudiation'] } })],
    ['EKU', (a) => ({ ...a, plan: { ...a.plan, extendedKeyUsage: ['1.3.6.1.5.5.7.3.3'] } })],
    ['validity', (a) => ({ ...a, plan: { ...a.plan, validityDays: 3650 } })],
    ['subject DER', (a) => ({ ...a, der: { ...a.der, subject: 'MBYxFDASBgNVBAMMC2V2aWwuZXhhbXBsZQ==' } })],
    ['public key', (a) => ({ ...a, der: { ...a.der, subjectPublicKeyInfo: 'MIIBIjAO' } })],
    ['SAN DER', (a) => ({ ...a, der: { ...a.der, subjectAltName: 'MBSCEmV2aWw=' } })],
    ['SAN DER removed', (a) => ({ ...a, der: { subject: a.der.subject, subjectPublicKeyInfo: a.der.subjectPublicKeyInfo } })],
    ['expiry extended', (a) => ({ ...a, expiresAt: '2036-12-14T10:00:00.000Z' })],
    ['OCSP URL added', (a) => ({ ...a, plan: { ...a.plan, ocspUrl: 'http://evil.example/ocsp' } })],
    ['OCSP URL removed from the certificate', (a) => ({ ...a, plan: { ...a.plan, ocspUrl: 'none' } })],
  ])('refuses an altered %s', (_field, alter) => {
    expect(approvalIsAuthentic(keys, alter(approval), mac)).toBe(false);
  });

  it('covers the OCSP URL only when the plan sets one (approvals made before the field keep their MACs)', () => {
    const withUrl = { ...approval, plan: { ...approval.plan, ocspUrl: 'http://ocsp.acme.test/' } };
    const urlMac = signApproval(keys, withUrl);
    expect(approvalIsAuthentic(keys, withUrl, urlMac)).toBe(true);
    expect(approvalIsAuthentic(keys, { ...withUrl, plan: { ...withUrl.plan, ocspUrl: 'http://ocsp.other.test/' } }, urlMac)).toBe(false);
    expect(canonicalApproval(approval).toString()).not.toContain('ocspUrl');
    expect(canonicalApproval(approval).toString()).toBe(canonicalApproval({ ...approval, plan: { ...approval.plan, ocspUrl: undefined } }).toString());
  });

  it('derives an OCSP responder wrap key of its own from the same secret', () => {
    const secret = randomBytes(32);
    const wrap = deriveOcspResponderWrapKey(secret);
    expect(wrap).toHaveLength(32);
    expect(wrap.equals(deriveOcspResponderWrapKey(secret))).toBe(true);
    const derived = deriveApprovalKeys(secret);
    expect(wrap.equals(derived.approval.export())).toBe(false);
    expect(wrap.equals(derived.outcome.export())).toBe(false);
  });

  it('refuses another key, a truncated MAC and garbage', () => {
    expect(approvalIsAuthentic(deriveApprovalKeys(randomBytes(32)), approval, mac)).toBe(false);
    expect(approvalIsAuthentic(keys, approval, mac.slice(0, 20))).toBe(false);
    expect(approvalIsAuthentic(keys, approval, '')).toBe(false);
    expect(approvalIsAuthentic(keys, approval, 'not base64 at all!')).toBe(false);
  });
});

describe('signing outcome MAC', () => {
  const issued: SigningOutcome = { kind: 'issued', tenantId: approval.tenantId, profileId: approval.profileId, enrollmentId: approval.enrollmentId, serialHex: '0A1B', certificateDer: 'MIIB', notAfter: '2027-12-07T10:00:00.000Z' };

  it('verifies outcomes and refuses altered ones', () => {
    const mac = signOutcome(keys, issued);
    expect(outcomeIsAuthentic(keys, issued, mac)).toBe(true);
    expect(outcomeIsAuthentic(keys, { ...issued, certificateDer: 'MIIC' }, mac)).toBe(false);
    expect(outcomeIsAuthentic(keys, { ...issued, enrollmentId: randomUUID() }, mac)).toBe(false);
    expect(outcomeIsAuthentic(keys, { kind: 'failed', tenantId: issued.tenantId, profileId: issued.profileId, enrollmentId: issued.enrollmentId, reason: '0A1B' }, mac)).toBe(false);
  });

  it('keeps the two directions apart: an approval MAC never verifies as an outcome and vice versa', () => {
    const derived = deriveApprovalKeys(randomBytes(32));
    expect(derived.approval.equals(derived.outcome)).toBe(false);
    expect(() => deriveApprovalKeys(randomBytes(16))).toThrow(RangeError);
  });
});
