import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { queuesConfig, redisOptionsFromUrl } from '@scep/queues';
import { challengeConfig } from '../challenge-config';
import { ChallengeMetrics } from '../metrics/challenge-metrics';
import { clientRateKey } from './client-address';

export type LockScope = 'profile' | 'client';

export interface RateSubject {
  readonly tenantId: string;
  readonly profileId: string;
  readonly clientAddress?: string;
}

/**
 * Counts failures per scope within a window and, at the limit, sets the scope's lock and restarts its count — all in
 * one atomic step per call. KEYS: (counter, lock) pairs; ARGV: window, lockout, then one limit per pair. Returns one
 * 1/0 per pair: whether this call set the lock.
 */
const RECORD_FAILURE = `
local locked = {}
for i = 1, #KEYS, 2 do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
  local newlyLocked = 0
  if count >= tonumber(ARGV[2 + (i + 1) / 2]) then
    if redis.call('SET', KEYS[i + 1], '1', 'EX', ARGV[2], 'NX') then newlyLocked = 1 end
    redis.call('DEL', KEYS[i])
  end
  locked[#locked + 1] = newlyLocked
end
return locked
`;

/** Redis calls on the verify path are bounded: a slow Redis must not stall enrollment. */
const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * Failed-challenge rate limiting (scep-protocol.md §13): failures counted per (tenant, profile) and per (tenant,
 * client address) in Redis; at a scope's limit the scope is locked for CHALLENGE_LOCKOUT_SECONDS, and a locked scope
 * is answered without checking anything. Client scopes are per tenant, so one tenant's traffic never locks another's.
 * If Redis fails, verification goes on without the limiter (it is a second line of defence) and the error is counted.
 */
@Injectable()
export class FailureRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(FailureRateLimiter.name);
  private readonly config = challengeConfig();
  private readonly prefix = `${queuesConfig().REDIS_PREFIX}:challenge-rl`;
  private readonly redis = new Redis(
    redisOptionsFromUrl(queuesConfig().REDIS_URL, { connectionName: 'challenge-rate-limit', maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
  );

  constructor(private readonly metrics: ChallengeMetrics) {
    this.redis.defineCommand('scepRecordChallengeFailure', { lua: RECORD_FAILURE });
    this.redis.on('error', () => undefined); // reported per call below; ioredis reconnects on its own
  }

  /** The scope that is locked out (profile first), if any: one Redis round trip. */
  async lockedScope(subject: RateSubject): Promise<LockScope | undefined> {
    const scopes = this.scopes(subject);
    try {
      const locks = await this.redis.mget(...scopes.map((s) => s.lockKey));
      return scopes.find((_, i) => locks[i] !== null)?.scope;
    } catch (error) {
      this.redisFailed('lock check', error);
      return undefined;
    }
  }

  /** Counts one failed verification in every scope of the subject; returns the scopes this failure locked. */
  async recordFailure(subject: RateSubject): Promise<LockScope[]> {
    const scopes = this.scopes(subject);
    let newlyLocked: number[];
    try {
      newlyLocked = (await (this.redis as Redis & { scepRecordChallengeFailure(...args: Array<string | number>): Promise<number[]> }).scepRecordChallengeFailure(
        scopes.length * 2,
        ...scopes.flatMap((s) => [s.counterKey, s.lockKey]),
        this.config.CHALLENGE_FAILURE_WINDOW_SECONDS,
        this.config.CHALLENGE_LOCKOUT_SECONDS,
        ...scopes.map((s) => s.limit),
      )) as number[];
    } catch (error) {
      this.redisFailed('failure count', error);
      return [];
    }
    const locked = scopes.filter((_, i) => newlyLocked[i] === 1).map((s) => s.scope);
    for (const scope of locked) {
      this.metrics.lockout(scope);
      this.logger.warn(
        { tenantId: subject.tenantId, profileId: subject.profileId, clientAddress: scope === 'client' ? subject.clientAddress : undefined, scope, lockoutSeconds: this.config.CHALLENGE_LOCKOUT_SECONDS },
        'too many failed challenges: locked out',
      );
    }
    return locked;
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() waits for a connection; a client that is still (re)connecting is just stopped.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  /**
   * Keys carry the tenant as a Redis Cluster hash tag, so one script's keys share a slot. A missing client address
   * (not every caller knows it) counts against the profile only.
   */
  private scopes(subject: RateSubject): Array<{ scope: LockScope; counterKey: string; lockKey: string; limit: number }> {
    const base = `${this.prefix}:{${subject.tenantId}}`;
    const scopes = [
      { scope: 'profile' as const, id: `profile:${subject.profileId}`, limit: this.config.CHALLENGE_FAILURES_PER_PROFILE },
      ...(subject.clientAddress
        ? [{ scope: 'client' as const, id: `client:${clientRateKey(subject.clientAddress)}`, limit: this.config.CHALLENGE_FAILURES_PER_CLIENT }]
        : []),
    ];
    return scopes.map((s) => ({ scope: s.scope, counterKey: `${base}:${s.id}:failures`, lockKey: `${base}:${s.id}:locked`, limit: s.limit }));
  }

  private redisFailed(operation: string, error: unknown): void {
    this.metrics.rateLimiterError();
    this.logger.warn({ operation, error: error instanceof Error ? error.name : 'unknown' }, 'rate limiter unavailable: verifying without it');
  }
}
