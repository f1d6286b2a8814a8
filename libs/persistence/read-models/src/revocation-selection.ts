/**
 * Which certificates a bulk revocation selects: unexpired, not revoked, of a profile and/or with a subject (exact, or
 * containing a text: strpos, no pattern language to abuse). One predicate for the admin API's dry-run count (here) and
 * the signer's revocation (persistence-issuance), so the count an operator confirms is the one revoked. Parameters:
 * $1 tenant, $2 profile or NULL, $3 exact subject or NULL, $4 text the subject contains or NULL.
 */
export const BULK_REVOCATION_PREDICATE = `tenant_id = $1 AND revoked_at IS NULL AND not_after > now()
  AND ($2::uuid IS NULL OR profile_id = $2) AND ($3::text IS NULL OR subject = $3) AND ($4::text IS NULL OR strpos(subject, $4) > 0)`;

export interface BulkRevocationSelection {
  readonly profileId?: string;
  readonly subjectEquals?: string;
  readonly subjectContains?: string;
}

export function bulkRevocationParameters(tenantId: string, selection: BulkRevocationSelection): unknown[] {
  return [tenantId, selection.profileId ?? null, selection.subjectEquals ?? null, selection.subjectContains ?? null];
}
