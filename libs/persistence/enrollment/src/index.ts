import { EnrollmentTransactionEntity } from './enrollment-transaction.entity';

export * from './enrollment-transaction.entity';
export * from './enrollment-transaction.repository';

/** Entities owned by policy-service (schema `enrollment`). */
export const enrollmentEntities = [EnrollmentTransactionEntity];
