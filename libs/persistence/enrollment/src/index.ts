import { EnrollmentTransactionEntity } from './enrollment-transaction.entity';
import { ProfilePolicyEntity } from './profile-policy.entity';

export * from './enrollment-transaction.entity';
export * from './enrollment-transaction.repository';
export * from './profile-policy.entity';
export * from './profile-policy.repository';

/** Entities owned by policy-service (schema `enrollment`). */
export const enrollmentEntities = [EnrollmentTransactionEntity, ProfilePolicyEntity];
