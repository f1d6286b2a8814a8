import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule } from '@nestjs/common';
import { BullMQOtel } from 'bullmq-otel';
import type { QueueName } from '@scep/contracts';
import { queuesConfig } from './queues-config';

/** BullMQ root connection: the deployment's Redis, the deployment's key prefix, trace context carried in jobs. */
export function queueRootModule(): DynamicModule {
  return BullModule.forRootAsync({
    useFactory: () => {
      const config = queuesConfig();
      return {
        connection: { url: config.REDIS_URL, maxRetriesPerRequest: null },
        prefix: config.REDIS_PREFIX,
        telemetry: new BullMQOtel({ tracerName: 'scep-queue' }),
      };
    },
  });
}

export function queueModule(...names: QueueName[]): DynamicModule {
  return BullModule.registerQueue(...names.map((name) => ({ name })));
}
