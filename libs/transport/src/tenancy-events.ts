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
  /** Every cache of the process that listens (one Redis subscription shared by all of them). */
  private readonly listeners: Array<(event: TenancyChangedEvent) => void> = [];

  async publish(event: TenancyChangedEvent): Promise<void> {
    this.publisher ??= new Redis(redisOptionsFromUrl(this.config.REDIS_URL, { maxRetriesPerRequest: 3, connectionName: 'tenancy-events-pub' }));
    await this.publisher.publish(this.channel, JSON.stringify(TenancyChanged.parse(event)));
  }

  async subscribe(listener: (event: TenancyChangedEvent) => void): Promise<void> {
    this.listeners.push(listener);
    if (this.subscriber) return;
    this.subscriber = new Redis(redisOptionsFromUrl(this.config.REDIS_URL, { connectionName: 'tenancy-events-sub' }));
    this.subscriber.on('message', (_channel: string, message: string) => {
      let event: TenancyChangedEvent;
      try {
        event = TenancyChanged.parse(JSON.parse(message));
      } catch {
        this.logger.warn('ignored malformed tenancy event');
        return;
      }
      for (const notify of this.listeners) notify(event);
    });
    await this.subscriber.subscribe(this.channel);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.publisher?.quit(), this.subscriber?.quit()]);
  }
}
