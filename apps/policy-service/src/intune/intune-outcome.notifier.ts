import { Injectable, Logger } from '@nestjs/common';
import { ChallengeNotifyOutcome, type RpcRequest } from '@scep/contracts';
import { RpcClient } from '@scep/transport';

/** E_FAIL: the generic HRESULT Intune shows its admins when the CA refused a validated request. */
const E_FAIL = -2147467259;

/** The transaction an Intune notification is about. */
export interface NotifiedTransaction {
  readonly tenantId: string;
  readonly profileId: string;
  readonly transactionId: string;
  readonly csrDer: Buffer;
}

/**
 * Intune wants to hear what became of every request it validated (Microsoft's SCEP validation API: success and
 * failure notifications). The challenge service owns the Intune connection and its durable outbox; this tells it the
 * outcome. The outbox is idempotent per (transaction, kind), so telling it twice is harmless.
 */
@Injectable()
export class IntuneOutcomeNotifier {
  private readonly logger = new Logger(IntuneOutcomeNotifier.name);

  constructor(private readonly rpc: RpcClient) {}

  /** Issued: awaited before the transaction is marked issued, so a failed call is retried by the reconciler. */
  issued(transaction: NotifiedTransaction, certificateDer: Buffer): Promise<void> {
    return this.notify(transaction, { kind: 'issued', certificateDer: certificateDer.toString('base64') });
  }

  /** Refused or failed after Intune validated the request: best effort, logged (the device's answer must not wait). */
  failedInBackground(transaction: NotifiedTransaction, description: string): void {
    this.notify(transaction, { kind: 'failed', hResult: E_FAIL, description: description.slice(0, 255) }).catch((error: unknown) =>
      this.logger.error({ tenantId: transaction.tenantId, transactionId: transaction.transactionId, reason: error instanceof Error ? error.name : 'error' }, 'could not queue the Intune failure notification'),
    );
  }

  private async notify(transaction: NotifiedTransaction, outcome: RpcRequest<typeof ChallengeNotifyOutcome>['outcome']): Promise<void> {
    await this.rpc.call(ChallengeNotifyOutcome, {
      tenantId: transaction.tenantId,
      profileId: transaction.profileId,
      transactionId: transaction.transactionId,
      csrDer: transaction.csrDer.toString('base64'),
      outcome,
    });
  }
}
