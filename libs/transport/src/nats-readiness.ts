import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Readiness } from '@scep/telemetry';
import { NatsConnection } from './nats-connection';

/**
 * Readiness of NATS: a round trip to the server (PING/PONG, `flush`) on the process's shared connection. While the
 * connection is down the round trip does not come back, so the check times out (docs/operations/service-interfaces.md).
 */
@Injectable()
export class NatsReadiness implements OnModuleInit {
  constructor(
    private readonly nats: NatsConnection,
    private readonly readiness: Readiness,
  ) {}

  onModuleInit(): void {
    this.readiness.register('nats', async () => {
      const connection = await this.nats.get();
      if (connection.isClosed()) throw new Error('NATS connection closed');
      await connection.flush();
    });
  }
}
