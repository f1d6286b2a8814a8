import { Injectable } from '@nestjs/common';
import type { SigningOutcome } from '@scep/contracts';
import { policyConfig } from '../policy-config';

interface Waiter {
  readonly resolve: (outcome: SigningOutcome | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Requests of this replica waiting for their certificate, by enrollment id, each up to its profile's sync-wait.
 * Bounded: past POLICY_MAX_WAITING a request does not wait (the device gets PENDING and polls).
 */
@Injectable()
export class SigningWaiters {
  private readonly max = policyConfig().POLICY_MAX_WAITING;
  private readonly waiting = new Map<string, Waiter[]>();
  private count = 0;

  /** Resolves with the outcome, or undefined after `timeoutMs` (or at once when full or timeoutMs is 0). */
  wait(enrollmentId: string, timeoutMs: number): { readonly outcome: Promise<SigningOutcome | undefined>; cancel(): void } {
    if (timeoutMs <= 0 || this.count >= this.max) return { outcome: Promise.resolve(undefined), cancel: () => undefined };
    let waiter!: Waiter;
    const outcome = new Promise<SigningOutcome | undefined>((resolve) => {
      const timer = setTimeout(() => this.remove(enrollmentId, waiter) && resolve(undefined), timeoutMs);
      waiter = { resolve, timer };
    });
    const list = this.waiting.get(enrollmentId);
    if (list) list.push(waiter);
    else this.waiting.set(enrollmentId, [waiter]);
    this.count++;
    return {
      outcome,
      cancel: () => {
        if (this.remove(enrollmentId, waiter)) {
          clearTimeout(waiter.timer);
          waiter.resolve(undefined);
        }
      },
    };
  }

  /** Hands an outcome to every request waiting for that enrollment. */
  settle(outcome: SigningOutcome): void {
    const list = this.waiting.get(outcome.enrollmentId);
    if (!list) return;
    this.waiting.delete(outcome.enrollmentId);
    this.count -= list.length;
    for (const waiter of list) {
      clearTimeout(waiter.timer);
      waiter.resolve(outcome);
    }
  }

  get size(): number {
    return this.count;
  }

  private remove(enrollmentId: string, waiter: Waiter): boolean {
    const list = this.waiting.get(enrollmentId);
    const index = list?.indexOf(waiter) ?? -1;
    if (!list || index < 0) return false;
    list.splice(index, 1);
    if (list.length === 0) this.waiting.delete(enrollmentId);
    this.count--;
    return true;
  }
}
