import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { signingOutcomeSubject } from '@scep/contracts';
import { transportConfig } from '@scep/transport';

/**
 * This replica's identity on the signing path: the NATS subject its signing jobs name as `replyTo`, so that the
 * outcome of a job comes back once, to the replica that owns the waiting request — no stream every replica reads.
 */
@Injectable()
export class SigningReplica {
  readonly id = randomBytes(8).toString('hex');
  readonly replyTo = signingOutcomeSubject(transportConfig().RPC_NAMESPACE, this.id);
}
