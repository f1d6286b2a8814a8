import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase } from './database-admin';
import { runMigrations } from './run-migrations';

/** Loopback default of this machine; TEST_DATABASE_ADMIN_URL overrides (as in @scep/testing). */
export const TEST_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh database with the whole migration history applied, for this library's integration tests. Built here
 * rather than with @scep/testing, which depends on this library (no cycle).
 */
export async function createMigratedTestDatabase(kind: string) {
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/scep_${kind}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(url.toString());
  await runMigrations(url.toString());
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}
