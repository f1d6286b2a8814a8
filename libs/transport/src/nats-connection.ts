import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type NatsConnection as Connection, type Subscription, connect } from 'nats';
import { natsConnectionOptions } from './nats-options';

/**
 * The process's one NATS connection for RPC calls, events and signing outcomes (the RPC server strategy keeps its
 * own). Connected on first use and shared by every caller; reconnects forever (natsConnectionOptions).
 */
@Injectable()
export class NatsConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsConnection.name);
  private connecting?: Promise<Connection>;
  private readonly subscriptions = new Set<Subscription>();

  get(): Promise<Connection> {
    this.connecting ??= connect(natsConnectionOptions('scep')).then((connection) => {
      void this.watch(connection);
      return connection;
    });
    return this.connecting;
  }

  /** Subscribes `handler` to `subject` (every message, no queue group: a broadcast or a replica's own subject). */
  async subscribe(subject: string, handler: (data: Uint8Array, headers?: { get(key: string): string }) => void): Promise<void> {
    const connection = await this.get();
    const subscription = connection.subscribe(subject, {
      callback: (error, message) => {
        if (!error) handler(message.data, message.headers);
      },
    });
    this.subscriptions.add(subscription);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.connecting) return;
    const connection = await this.connecting.catch(() => undefined);
    if (!connection || connection.isClosed()) return;
    // drain: in-flight requests get their replies, buffered publishes go out, then the connection closes.
    await connection.drain().catch(() => connection.close());
  }

  private async watch(connection: Connection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') this.logger.warn({ nats: status.type }, `NATS ${status.type}`);
      // The server refused a publish or a subscription this identity has no permission for (docs/adr/009): a
      // deployment whose NATS authorization lags the code, or code doing what its service must not. Never silent.
      if (status.type === 'error' && status.permissionContext) {
        const { operation, subject } = status.permissionContext;
        this.logger.error({ nats: 'permissions violation', operation, subject }, `NATS refused ${operation} to ${subject}`);
      }
    }
  }
}
