import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { z } from 'zod';
import type { EntitySchema, MixedList } from 'typeorm';
import { databaseEnv, loadConfig } from '@scep/config';

export const databaseConfigSchema = z.object(databaseEnv);

/**
 * The app's connection to the system of record. `synchronize` is always off: the schema comes only from the
 * ordered migration history (`npm run migrate`). Each app lists only the entities it owns.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function databaseRootModule(applicationName: string, entities: MixedList<Function | string | EntitySchema>): DynamicModule {
  return TypeOrmModule.forRootAsync({
    useFactory: () => {
      const config = loadConfig(databaseConfigSchema);
      return {
        type: 'postgres' as const,
        url: config.DATABASE_URL,
        entities,
        synchronize: false,
        migrationsRun: false,
        logging: false,
        applicationName,
        // Bounded waits (house rule: every outbound call has a timeout): a frozen or unreachable PostgreSQL makes
        // requests fail within seconds — 503 at the edges, PENDING for a recorded transaction — instead of hanging.
        extra: {
          max: config.DATABASE_POOL_SIZE,
          connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
          query_timeout: config.DATABASE_QUERY_TIMEOUT_MS,
          keepAlive: true,
        },
      };
    },
  });
}
