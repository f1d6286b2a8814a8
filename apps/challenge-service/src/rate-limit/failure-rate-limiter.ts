import { isIP } from 'node:net';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { queuesConfig, redisOptionsFromUrl } from '@scep/queues';
import { ClientLockouts, clientRateKey } from '@scep/transport';
import { challengeConfig } from '../challenge-config';
import { ChallengeMetrics } from '../metrics/challenge-metrics';

export interface RateSubject {
  readonly tenantId: string;
  readonly profileId: string;
  readonly clientAddress?: string;
}

/**
 * One failed verification, counted atomically (docs/adr/008-abuse-and-client-addresses.md):
 * KEYS[1] the profile's failure counter, KEYS[2] the client's counter on the profile, KEYS[3] the client's lock.
 * ARGV: window s, lockout s, client limit, client limit under attack, profile attack threshold, now ms, exempt (1/0).
 * Returns { lockedUntilMs (0 = not locked), newlyLocked (1/0), underAttack (1/0) }.
 */
const RECORD_FAILURE = `
local profileFailures = redis.call('INCR', KEYS[1])
if profileFailures == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local underAttack = 0
if profileFailures > tonumber(ARGV[5]) then underAttack = 1 end
if ARGV[7] == '1' then return {0, 0, underAttack} end
local locked = redis.call('GET', KEYS[3])
if locked then return {tonumber(locked), 0, underAttack} end
local failures = redis.call('INCR', KEYS[2])
if failures == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
local limit = tonumber(ARGV[3])
if underAttack == 1 then limit = tonumber(ARGV[4]) end
if failures >= limit then
  local untilMs = tonumber(ARGV[6]) + tonumber(ARGV[2]) * 1000
  redis.call('SET', KEYS[3], untilMs, 'EX', ARGV[2])
  redis.call('DEL', KEYS[2])
  return {untilMs, 1, underAttack}
end
return {0, 0, underAttack}
`;

/** Redis calls are bounded: a slow Redis must not stall enrollment. */
const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * Failed-challenge limits (docs/adr/008-abuse-and-client-addresses.md). A client address that fails too often on a
 * profile is locked out of that profile — and only that profile; failures never make a correct challenge fail for
 * another client. A profile that sees many failures from many addresses is "under attack" for the rest of the window:
 * each address then gets fewer guesses, which caps a brute force spread over many addresses without refusing
 * anyone who knows the challenge. Lock checks are in memory (lockouts are announced to every replica and gateway);
 * Redis is only asked when a verification failed. If Redis fails, verification goes on without the limiter (a second
 * line of defence) and the error is counted.
 */
@Injectable()
export class FailureRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(FailureRateLimiter.name);
  private readonly config = challengeConfig();
  private readonly prefix = `${queuesConfig().REDIS_PREFIX}:challenge-rl`;
  private readonly redis = new Redis(
    redisOptionsFromUrl(queuesConfig().REDIS_URL, { connectionName: 'challenge-rate-limit', maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
  );

  constructor(
    private readonly metrics: ChallengeMetrics,
    private readonly lockouts: ClientLockouts,
  ) {
    this.redis.defineCommand('scepRecordChallengeFailure', { numberOfKeys: 3, lua: RECORD_FAILURE });
    this.redis.on('error', () => undefined); // reported per call below; ioredis reconnects on its own
  }

  /** When the subject's lockout ends (epoch ms), if it is locked now: an in-memory check, no Redis round trip. */
  lockedUntil(subject: RateSubject): number | undefined {
    if (!subject.clientAddress) return undefined;
    return this.lockouts.lockedUntil(subject.tenantId, subject.profileId, subject.clientAddress);
  }

  /** Counts one failed verification; returns when the client's lockout ends if it is locked (now or already). */
  async recordFailure(subject: RateSubject): Promise<number | undefined> {
    const base = `${this.prefix}:{${subject.tenantId}}:profile:${subject.profileId}`;
    const client = subject.clientAddress ? clientRateKey(subject.clientAddress) : undefined;
    // A request without a client address (or with one that is not an IP address) counts towards the profile only.
    const exempt = !client || !isIP(subject.clientAddress ?? '') || this.isExempt(subject.clientAddress as string);
    let answer: number[];
    try {
      answer = (await (this.redis as Redis & { scepRecordChallengeFailure(...args: Array<string | number>): Promise<number[]> }).scepRecordChallengeFailure(
        `${base}:failures`,
        `${base}:client:${client ?? '-'}:failures`,
        `${base}:client:${client ?? '-'}:locked`,
        this.config.CHALLENGE_FAILURE_WINDOW_SECONDS,
        this.config.CHALLENGE_LOCKOUT_SECONDS,
        this.config.CHALLENGE_FAILURES_PER_CLIENT,
        Math.min(this.config.CHALLENGE_FAILURES_PER_CLIENT_UNDER_ATTACK, this.config.CHALLENGE_FAILURES_PER_CLIENT),
        this.config.CHALLENGE_FAILURES_PER_PROFILE,
        Date.now(),
        exempt ? 1 : 0,
      )) as number[];
    } catch (error) {
      this.redisFailed('failure count', error);
      return undefined;
    }
    const [lockedUntilMs = 0, newlyLocked = 0, underAttack = 0] = answer;
    if (underAttack === 1) this.metrics.profileUnderAttack();
    if (lockedUntilMs <= Date.now() || !subject.clientAddress) return undefined;
    if (newlyLocked === 1) {
      this.metrics.lockout('client');
      this.logger.warn(
        { tenantId: subject.tenantId, profileId: subject.profileId, clientAddress: subject.clientAddress, lockoutSeconds: this.config.CHALLENGE_LOCKOUT_SECONDS, underAttack: underAttack === 1 },
        'too many failed challenges: client locked out of the profile',
      );
    }
    // Announced also when it was already locked: a replica (or gateway) that missed the first event learns it now.
    await this.lockouts
      .announce({ tenantId: subject.tenantId, profileId: subject.profileId, clientAddress: subject.clientAddress, untilMs: lockedUntilMs })
      .catch(() => this.logger.warn('could not announce a lockout'));
    return lockedUntilMs;
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() waits for a connection; a client that is still (re)connecting is just stopped.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private isExempt(address: string): boolean {
    return this.config.CHALLENGE_LOCKOUT_EXEMPT_CIDRS?.matches(address) ?? false;
  }

  private redisFailed(operation: string, error: unknown): void {
    this.metrics.rateLimiterError();
    this.logger.warn({ operation, error: error instanceof Error ? error.name : 'unknown' }, 'rate limiter unavailable: verifying without it');
  }
}
