import { Injectable, Logger } from '@nestjs/common';
import { TenancyChanged, type TenancyChangedEvent, tenancyChangedSubject } from '@scep/contracts';
import { NatsConnection } from './nats-connection';
import { transportConfig } from './transport-config';

/**
 * Cache invalidation between services: whoever changes tenancy, challenge or policy data publishes, and every
 * replica that caches it drops the entries. A plain NATS subject without a queue group is a broadcast, which is the
 * point here. An event lost while NATS is down is covered by each cache's TTL.
 */
@Injectable()
export class TenancyEvents {
  private readonly logger = new Logger(TenancyEvents.name);
  private readonly subject = tenancyChangedSubject(transportConfig().RPC_NAMESPACE);
  /** Every cache of the process that listens (one subscription shared by all of them). */
  private readonly listeners: Array<(event: TenancyChangedEvent) => void> = [];
  private subscribed?: Promise<void>;

  constructor(private readonly nats: NatsConnection) {}

  async publish(event: TenancyChangedEvent): Promise<void> {
    const connection = await this.nats.get();
    connection.publish(this.subject, Buffer.from(JSON.stringify(TenancyChanged.parse(event))));
  }

  async subscribe(listener: (event: TenancyChangedEvent) => void): Promise<void> {
    this.listeners.push(listener);
    this.subscribed ??= this.nats.subscribe(this.subject, (data) => {
      let event: TenancyChangedEvent;
      try {
        event = TenancyChanged.parse(JSON.parse(Buffer.from(data).toString('utf8')));
      } catch {
        this.logger.warn('ignored malformed tenancy event');
        return;
      }
      for (const notify of this.listeners) notify(event);
    });
    await this.subscribed;
  }
}
