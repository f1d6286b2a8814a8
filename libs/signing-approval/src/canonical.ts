import type { SigningApproval, SigningOutcome } from '@scep/contracts';

/**
 * The bytes a MAC covers: every field of the message, in a fixed order, as a JSON array. Two parties that hold the
 * same field values produce the same bytes whatever order or extra keys an object arrived with, and no field can be
 * moved into another (a domain tag starts each array).
 */
export function canonicalApproval(a: SigningApproval): Buffer {
  return Buffer.from(
    JSON.stringify([
      'scep-signing-approval',
      a.version,
      a.tenantId,
      a.profileId,
      a.caId,
      a.enrollmentId,
      a.plan.subject,
      a.plan.subjectAltNames.map((san) => [san.type, san.value]),
      a.plan.keyUsage,
      a.plan.extendedKeyUsage,
      a.plan.validityDays,
      a.der.subject,
      a.der.subjectPublicKeyInfo,
      a.der.subjectAltName ?? null,
      a.approvedAt,
      a.expiresAt,
      // Appended only when set: approvals made before the field existed keep their bytes (and their MACs).
      ...(a.plan.ocspUrl !== undefined ? ['ocspUrl', a.plan.ocspUrl] : []),
    ]),
  );
}

export function canonicalOutcome(o: SigningOutcome): Buffer {
  const fields = o.kind === 'issued' ? [o.serialHex, o.certificateDer, o.notAfter] : [o.reason];
  return Buffer.from(JSON.stringify(['scep-signing-outcome', o.kind, o.tenantId, o.profileId, o.enrollmentId, ...fields]));
}
