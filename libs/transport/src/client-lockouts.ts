import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { ClientLocked, type ClientLockedEvent, clientLockedSubject } from '@scep/contracts';
import { clientRateKey } from './client-rate-key';
import { NatsConnection } from './nats-connection';
import { transportConfig } from './transport-config';

/** Locks remembered per process; beyond this the oldest are forgotten (a forgotten lock costs one more check). */
const MAX_LOCKS = 100_000;

/**
 * Which client addresses are locked out of which profile, as every replica learns it over NATS
 * (docs/adr/008-abuse-and-client-addresses.md): the challenge service announces a lockout when it sets it, and each
 * challenge-service and gateway replica remembers it until it ends — so a locked client is refused without a Redis
 * round trip, and by the gateway before any RSA work. Bounded; an event missed while NATS was down is learned again
 * the next time the challenge service refuses that client.
 */
@Injectable()
export class ClientLockouts implements OnModuleInit {
  private readonly logger = new Logger(ClientLockouts.name);
  private readonly subject = clientLockedSubject(transportConfig().RPC_NAMESPACE);
  private readonly locks = new LRUCache<string, number>({ max: MAX_LOCKS });

  constructor(private readonly nats: NatsConnection) {}

  async onModuleInit(): Promise<void> {
    await this.nats.subscribe(this.subject, (data) => {
      try {
        this.remember(ClientLocked.parse(JSON.parse(Buffer.from(data).toString('utf8'))));
      } catch {
        this.logger.warn('ignored a malformed lockout event');
      }
    });
  }

  /** Records a lockout here and tells every other replica. */
  async announce(event: ClientLockedEvent): Promise<void> {
    this.remember(event);
    const connection = await this.nats.get();
    connection.publish(this.subject, Buffer.from(JSON.stringify(ClientLocked.parse(event))));
  }

  remember(event: ClientLockedEvent): void {
    if (event.untilMs <= Date.now()) return;
    const key = keyOf(event.tenantId, event.profileId, event.clientAddress);
    this.locks.set(key, Math.max(event.untilMs, this.locks.get(key) ?? 0));
  }

  /** When the client's lockout on the profile ends (epoch ms), if it is locked now. */
  lockedUntil(tenantId: string, profileId: string, clientAddress: string): number | undefined {
    const key = keyOf(tenantId, profileId, clientAddress);
    const until = this.locks.get(key);
    if (until === undefined) return undefined;
    if (until > Date.now()) return until;
    this.locks.delete(key);
    return undefined;
  }
}

function keyOf(tenantId: string, profileId: string, clientAddress: string): string {
  return `${tenantId}/${profileId}/${clientRateKey(clientAddress)}`;
}
