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
        extra: { max: config.DATABASE_POOL_SIZE },
      };
    },
  });
}
