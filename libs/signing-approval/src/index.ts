export * from './approval-keys';
export * from './approval-mac';
export { canonicalApproval, canonicalOutcome } from './canonical';
