import { Injectable, Logger } from '@nestjs/common';
import { ChallengeNotifyOutcome, type RpcRequest } from '@scep/contracts';
import type { EnrollmentTransactionEntity } from '@scep/persistence-enrollment';
import { RpcClient } from '@scep/transport';

/** E_FAIL: the generic HRESULT Intune shows its admins when the CA refused a validated request. */
const E_FAIL = -2147467259;

/**
 * Intune wants to hear what became of every request it validated (scep-protocol.md §12.2 steps 5-6). The challenge
 * service owns the Intune connection and its durable outbox; this tells it the outcome.
 */
@Injectable()
export class IntuneOutcomeNotifier {
  private readonly logger = new Logger(IntuneOutcomeNotifier.name);

  constructor(private readonly rpc: RpcClient) {}

  /** Issued: called from the outcome job, so a failed call is retried with the job (nothing lost). */
  issued(row: EnrollmentTransactionEntity, certificateDer: Buffer): Promise<void> {
    return this.notify(row, { kind: 'issued', certificateDer: certificateDer.toString('base64') });
  }

  /** Refused or failed after Intune validated the request. */
  failed(row: EnrollmentTransactionEntity, description: string): Promise<void> {
    return this.notify(row, { kind: 'failed', hResult: E_FAIL, description: description.slice(0, 255) });
  }

  /** From the request path: best effort, logged (the device's answer must not wait for Intune). */
  failedInBackground(row: EnrollmentTransactionEntity, description: string): void {
    this.failed(row, description).catch((error: unknown) =>
      this.logger.error({ tenantId: row.tenantId, transactionId: row.transactionId, reason: error instanceof Error ? error.name : 'error' }, 'could not queue the Intune failure notification'),
    );
  }

  private async notify(row: EnrollmentTransactionEntity, outcome: RpcRequest<typeof ChallengeNotifyOutcome>['outcome']): Promise<void> {
    await this.rpc.call(ChallengeNotifyOutcome, {
      tenantId: row.tenantId,
      profileId: row.profileId,
      transactionId: row.transactionId,
      csrDer: row.csrDer.toString('base64'),
      outcome,
    });
  }
}
