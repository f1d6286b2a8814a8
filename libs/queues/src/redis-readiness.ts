import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { Readiness } from '@scep/telemetry';
import { queuesConfig } from './queues-config';
import { redisOptionsFromUrl } from './redis-connection';

/**
 * Readiness of Redis: PING on a small connection of its own (docs/operations/service-interfaces.md, /readyz).
 * Its own, because BullMQ's clients queue commands while disconnected (a PING there would wait, not fail) and expose
 * no PING; this one refuses commands while it is not connected, so a lost Redis reads "failed" at once, and it
 * reconnects by itself.
 */
@Injectable()
export class RedisReadiness implements OnModuleInit, OnApplicationShutdown {
  private readonly redis = new Redis({
    ...redisOptionsFromUrl(queuesConfig().REDIS_URL),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    connectionName: 'readiness',
  });

  constructor(private readonly readiness: Readiness) {
    // Connection errors are what the check reports; without a listener ioredis would print each one.
    this.redis.on('error', () => undefined);
  }

  onModuleInit(): void {
    this.readiness.register('redis', async () => {
      if (this.redis.status === 'wait') await this.redis.connect();
      await this.redis.ping();
    });
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
