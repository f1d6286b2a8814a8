import { InitialSchema1764230400000 } from './migrations/1764230400000-initial-schema';
import { ProtocolCompletion1764403200000 } from './migrations/1764403200000-protocol-completion';
import { ChallengesPolicyApproval1764489600000 } from './migrations/1764489600000-challenges-policy-approval';
import { ChallengeRecordRetention1764576000000 } from './migrations/1764576000000-challenge-record-retention';
import { EnrollmentPathV21765065600000 } from './migrations/1765065600000-enrollment-path-v2';
import { Hardening1765152000000 } from './migrations/1765152000000-hardening';
import { RevocationOcsp1765411200000 } from './migrations/1765411200000-revocation-ocsp';

/** The one ordered, append-only migration history of the platform. */
export const migrationHistory = [
  InitialSchema1764230400000,
  ProtocolCompletion1764403200000,
  ChallengesPolicyApproval1764489600000,
  ChallengeRecordRetention1764576000000,
  EnrollmentPathV21765065600000,
  Hardening1765152000000,
  RevocationOcsp1765411200000,
];
