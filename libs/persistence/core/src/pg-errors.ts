/** SQLSTATE 23505: a unique constraint said no (used for idempotent inserts). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
