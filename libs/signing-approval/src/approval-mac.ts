import { type KeyObject, createHmac, timingSafeEqual } from 'node:crypto';
import type { SigningApproval, SigningOutcome } from '@scep/contracts';
import type { ApprovalKeys } from './approval-keys';
import { canonicalApproval, canonicalOutcome } from './canonical';

const mac = (key: KeyObject, bytes: Buffer) => createHmac('sha256', key).update(bytes).digest();

function equalMac(expected: Buffer, given: string): boolean {
  const presented = Buffer.from(given, 'base64');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** policy: the MAC that makes an approval signable. */
export function signApproval(keys: ApprovalKeys, approval: SigningApproval): string {
  return mac(keys.approval, canonicalApproval(approval)).toString('base64');
}

/** signer: whether the policy service approved exactly this (constant-time comparison). */
export function approvalIsAuthentic(keys: ApprovalKeys, approval: SigningApproval, presented: string): boolean {
  return equalMac(mac(keys.approval, canonicalApproval(approval)), presented);
}

/** signer: the MAC of an outcome it reports. */
export function signOutcome(keys: ApprovalKeys, outcome: SigningOutcome): string {
  return mac(keys.outcome, canonicalOutcome(outcome)).toString('base64');
}

/** policy: whether the signer reported exactly this. */
export function outcomeIsAuthentic(keys: ApprovalKeys, outcome: SigningOutcome, presented: string): boolean {
  return equalMac(mac(keys.outcome, canonicalOutcome(outcome)), presented);
}
