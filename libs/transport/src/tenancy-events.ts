import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { TenancyChanged, type TenancyChangedEvent, tenancyChangedChannel } from '@scep/contracts';
import { redisOptionsFromUrl } from './redis-connection';
import { transportConfig } from './transport-config';

/**
 * Cache invalidation between services: admin-api publishes after it changes tenancy data, every replica that
 * caches tenant/profile/CA material drops the entries. Pub/sub broadcast is the point here.
 */
@Injectable()
export class TenancyEvents implements OnApplicationShutdown {
  private readonly logger = new Logger(TenancyEvents.name);
  private readonly config = transportConfig();
  private readonly channel = tenancyChangedChannel(this.config.REDIS_PREFIX);
  private publisher?: Redis;
  private subscriber?: Redis;

  async publish(event: TenancyChangedEvent): Promise<void> {
    this.publisher ??= new Redis(redisOptionsFromUrl(this.config.REDIS_URL, { maxRetriesPerRequest: 3, connectionName: 'tenancy-events-pub' }));
    await this.publisher.publish(this.channel, JSON.stringify(TenancyChanged.parse(event)));
  }

  async subscribe(listener: (event: TenancyChangedEvent) => void): Promise<void> {
    if (!this.subscriber) {
      this.subscriber = new Redis(redisOptionsFromUrl(this.config.REDIS_URL, { connectionName: 'tenancy-events-sub' }));
      this.subscriber.on('message', (_channel: string, message: string) => {
        try {
          listener(TenancyChanged.parse(JSON.parse(message)));
        } catch {
          this.logger.warn('ignored malformed tenancy event');
        }
      });
    }
    await this.subscriber.subscribe(this.channel);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.publisher?.quit(), this.subscriber?.quit()]);
  }
}
