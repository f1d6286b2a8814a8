import { z } from 'zod';
import { databaseEnv, loadConfig } from '@scep/config';
import { ensureDatabase } from './database-admin';
import { runMigrations } from './run-migrations';

/** `npm run migrate`: creates the database when MIGRATE_CREATE_DATABASE=true, then applies pending migrations. */
async function main(): Promise<void> {
  const config = loadConfig(
    z.object({
      DATABASE_URL: databaseEnv.DATABASE_URL,
      MIGRATE_CREATE_DATABASE: z.enum(['true', 'false']).default('true'),
    }),
  );
  if (config.MIGRATE_CREATE_DATABASE === 'true' && (await ensureDatabase(config.DATABASE_URL))) {
    console.log('migrate: created database');
  }
  const applied = await runMigrations(config.DATABASE_URL);
  console.log(applied.length ? `migrate: applied ${applied.join(', ')}` : 'migrate: schema is up to date');
}

main().catch((error: unknown) => {
  console.error(`migrate: failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
