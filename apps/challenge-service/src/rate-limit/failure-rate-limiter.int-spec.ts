import './dead-redis-env.int';
import { Logger } from '@nestjs/common';
import { ServiceMetrics } from '@scep/telemetry';
import { ClientLockouts, NatsConnection } from '@scep/transport';
import { ChallengeMetrics } from '../metrics/challenge-metrics';
import { FailureRateLimiter } from './failure-rate-limiter';

describe('FailureRateLimiter without Redis', () => {
  it('answers "not locked" and counts nothing within its bound, instead of stalling verification', async () => {
    Logger.overrideLogger(false);
    const metrics = new ChallengeMetrics(new ServiceMetrics());
    const limiter = new FailureRateLimiter(metrics, new ClientLockouts(new NatsConnection()));
    try {
      const subject = { tenantId: '00000000-0000-4000-8000-000000000001', profileId: '00000000-0000-4000-8000-000000000002', clientAddress: '192.0.2.1' };
      const started = Date.now();
      expect(limiter.lockedUntil(subject)).toBeUndefined();
      expect(await limiter.recordFailure(subject)).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await metrics.registry.getSingleMetricAsString('scep_challenge_rate_limiter_errors_total')).toMatch(/ 1$/);
    } finally {
      await limiter.onApplicationShutdown();
      // ioredis arms a 2 s socket-destroy timer when it disconnects a failed connection; let it run out here.
      await new Promise((resolve) => setTimeout(resolve, 2100));
    }
  }, 15_000);
});
