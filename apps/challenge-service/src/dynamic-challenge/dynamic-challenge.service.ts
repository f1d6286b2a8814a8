import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { ChallengeList, ChallengeMint, ChallengeVerify, RpcRequest, RpcResponse } from '@scep/contracts';
import { DynamicChallengeRepository } from '@scep/persistence-challenge';
import { isUniqueViolation } from '@scep/persistence-core';
import { challengeConfig } from '../challenge-config';
import type { ProfileChallengeSettings } from '../settings/challenge-settings.service';
import { ChallengeHasher } from '../secrets/challenge-hasher';
import { generateChallenge } from './challenge-generator';
import { bindingMismatch } from './subject-binding';

type VerifyRequest = RpcRequest<typeof ChallengeVerify>;
type VerifyResult = RpcResponse<typeof ChallengeVerify>;
type MintResult = RpcResponse<typeof ChallengeMint>;

/**
 * One-time challenges minted by an MDM integration (scep-protocol.md §13): random, stored as a keyed hash only,
 * TTL-bound, optionally bound to a subject and SANs, consumed atomically by the first transaction that uses them —
 * a retry of that same transaction (same key) still passes, nothing else does. There is no cap on how many are
 * outstanding (unlike NDES's five cached passwords).
 */
@Injectable()
export class DynamicChallengeService {
  private readonly logger = new Logger(DynamicChallengeService.name);
  private readonly hasher = new ChallengeHasher(challengeConfig().CHALLENGE_PEPPER, 'dynamic');

  constructor(private readonly repository: DynamicChallengeRepository) {}

  /** Mints a challenge; its value is returned here once and never again. */
  async mint(request: RpcRequest<typeof ChallengeMint>, settings: ProfileChallengeSettings): Promise<MintResult> {
    if (settings.mode !== 'dynamic') return { result: 'not-dynamic' };
    const { tenantId, profileId } = request;
    const ttlSeconds = request.ttlSeconds ?? settings.dynamicDefaultTtlSeconds;
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    // A collision of 139-bit values is not going to happen; the unique index would still catch it, so retry once.
    for (let attempt = 1; ; attempt++) {
      const id = randomUUID();
      const challenge = generateChallenge();
      try {
        await this.repository.insert({
          id,
          tenantId,
          profileId,
          secretHash: this.hasher.hash(tenantId, profileId, challenge),
          expectedSubject: request.expectedSubject ?? null,
          expectedSans: request.expectedSans ?? null,
          expiresAt,
          createdAt: new Date(),
          createdBy: request.actor,
          consumedAt: null,
          consumedTransactionId: null,
          consumedKeyFingerprint: null,
        });
        this.logger.log({ tenantId, profileId, challengeId: id, actor: request.actor, expiresAt: expiresAt.toISOString() }, 'one-time challenge minted');
        return { result: 'minted', id, challenge, expiresAt: expiresAt.toISOString() };
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 2) throw error;
      }
    }
  }

  async list(request: RpcRequest<typeof ChallengeList>): Promise<RpcResponse<typeof ChallengeList>> {
    const rows = await this.repository.listRecent(request.tenantId, request.profileId, request.limit);
    return {
      items: rows.map((row) => ({
        id: row.id,
        createdAt: row.createdAt.toISOString(),
        createdBy: row.createdBy,
        expiresAt: row.expiresAt.toISOString(),
        expectedSubject: row.expectedSubject ?? undefined,
        expectedSans: row.expectedSans ?? undefined,
        consumedAt: row.consumedAt?.toISOString(),
        consumedTransactionId: row.consumedTransactionId ?? undefined,
      })),
    };
  }

  async verify(request: VerifyRequest): Promise<VerifyResult> {
    const { tenantId, profileId, transactionId, challenge, csr } = request;
    if (challenge === undefined || challenge.length === 0) return reject('missing');
    const row = await this.repository.findByHash(tenantId, profileId, this.hasher.hash(tenantId, profileId, challenge));
    if (!row) return reject('mismatch');

    const now = new Date();
    // The transaction that consumed it may come back (a resend while PENDING, after the TTL too): it was checked then.
    const retryOfConsumer = row.consumedTransactionId === transactionId && row.consumedKeyFingerprint === csr.keyFingerprint;
    if (row.consumedAt && !retryOfConsumer) return this.reused(request, row.id);
    if (!retryOfConsumer && row.expiresAt.getTime() <= now.getTime()) return reject('expired');
    const mismatch = bindingMismatch(row, csr);
    if (mismatch) return reject(mismatch);

    const consumed = await this.repository.consume(tenantId, row.id, transactionId, csr.keyFingerprint, now);
    return consumed ? { decision: 'accept' } : this.reused(request, row.id);
  }

  /** RFC 8894 §7.3 / scep-protocol.md §13: a consumed challenge presented by another transaction or key is an alert. */
  private reused(request: VerifyRequest, challengeId: string): VerifyResult {
    this.logger.warn(
      { tenantId: request.tenantId, profileId: request.profileId, challengeId, transactionId: request.transactionId, clientAddress: request.clientAddress, alert: 'challenge-reuse' },
      'one-time challenge presented again by another transaction or key',
    );
    return reject('consumed');
  }
}

function reject(reason: Extract<VerifyResult, { decision: 'reject' }>['reason']): VerifyResult {
  return { decision: 'reject', reason };
}
