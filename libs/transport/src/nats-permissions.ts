import {
  ChallengeConfigure,
  ChallengeList,
  ChallengeMint,
  ChallengeNotifyOutcome,
  ChallengeSetIntuneConnection,
  ChallengeSetStatic,
  ChallengeVerify,
  EnrollmentDecide,
  EnrollmentFind,
  EnrollmentStatus,
  EnrollmentSubmit,
  OcspRespond,
  PolicyDryRun,
  PolicyGetRules,
  PolicySetRules,
  clientLockedSubject,
  rpcSubject,
  signingOutcomeSubject,
  tenancyChangedSubject,
} from '@scep/contracts';

/**
 * What each service may publish and subscribe to on NATS, declared once (docs/adr/009-least-privilege-between-
 * services.md): `npm run nats:config` turns it into the nats-server `authorization` block, and the services
 * authenticate as these users (NATS_USER / NATS_PASSWORD). Written from the code, not from intentions: each `calls`
 * is an `RpcClient.call` of that service, each `serves` an `@RpcHandler`, each broadcast a publish or a subscription
 * it makes (test/architecture checks the RPC and tenancy-event lists against the sources).
 */

/** The processes of the platform that connect to NATS, by the name they run under. */
export const NATS_SERVICES = ['scep-gateway', 'policy-service', 'challenge-service', 'signer-worker', 'admin-api'] as const;
export type NatsService = (typeof NATS_SERVICES)[number];

/** A subject that is not an RPC request: an event every replica hears, or the subjects of one kind of replica. */
export interface BroadcastSubject {
  /** For people reading the generated configuration. */
  readonly name: string;
  readonly subject: (namespace: string) => string;
}

export const NATS_BROADCASTS = {
  /** Cache invalidation (TenancyEvents): whoever writes tenancy, challenge or policy data publishes. */
  tenancyChanged: { name: 'tenancy-changed event', subject: tenancyChangedSubject },
  /**
   * A client address locked out of a profile (ClientLockouts, docs/adr/008-abuse-and-client-addresses.md): announced
   * by the challenge service, heard by its replicas and by the gateway.
   */
  clientLocked: { name: 'client-locked event', subject: clientLockedSubject },
  /** Signing outcomes, signer -> the policy replica named in the job (`replyTo`, one subject per replica). */
  signingOutcomes: { name: 'signing outcomes (any policy replica)', subject: (namespace: string) => signingOutcomeSubject(namespace, '*') },
} satisfies Record<string, BroadcastSubject>;

/** An RPC contract as far as NATS is concerned: its name makes its subject. */
export interface RpcSubjectOf {
  readonly name: string;
}

export interface NatsServiceRole {
  /** Why the service needs what it gets, in one line (written into the generated configuration). */
  readonly summary: string;
  /** Contracts it calls: it publishes requests on their subjects and receives the replies on its own inbox. */
  readonly calls: readonly RpcSubjectOf[];
  /** Contracts it answers in its queue group: it subscribes to their subjects and may publish only the replies. */
  readonly serves: readonly RpcSubjectOf[];
  readonly publishes: readonly BroadcastSubject[];
  readonly subscribes: readonly BroadcastSubject[];
}

const { tenancyChanged, clientLocked, signingOutcomes } = NATS_BROADCASTS;

export const NATS_SERVICE_ROLES: Readonly<Record<NatsService, NatsServiceRole>> = {
  // Internet-facing: assume it is compromised. It submits and polls enrollments, asks for OCSP answers (signed by the
  // policy service from statuses it reads itself, docs/adr/010), and listens to cache invalidation and lockouts; it
  // cannot call any challenge or administrative operation, answer any request, or publish an event.
  'scep-gateway': {
    summary: 'internet-facing edge: submits and polls enrollments, asks for OCSP answers; hears cache invalidations and lockouts',
    calls: [EnrollmentSubmit, EnrollmentStatus, OcspRespond],
    serves: [],
    publishes: [],
    subscribes: [tenancyChanged, clientLocked],
  },
  'policy-service': {
    summary: 'owns enrollments and policy rules; answers OCSP requests; asks the challenge service; hears its own signing outcomes',
    calls: [ChallengeVerify, ChallengeNotifyOutcome],
    serves: [EnrollmentSubmit, EnrollmentStatus, EnrollmentFind, EnrollmentDecide, PolicyDryRun, PolicyGetRules, PolicySetRules, OcspRespond],
    publishes: [tenancyChanged],
    subscribes: [tenancyChanged, signingOutcomes],
  },
  'challenge-service': {
    summary: 'verifies and administers challenges; announces lockouts',
    calls: [],
    serves: [ChallengeVerify, ChallengeSetStatic, ChallengeConfigure, ChallengeMint, ChallengeList, ChallengeSetIntuneConnection, ChallengeNotifyOutcome],
    publishes: [tenancyChanged, clientLocked],
    subscribes: [tenancyChanged, clientLocked],
  },
  // Reachable by nobody: it only reports outcomes, to the policy replica each job names.
  'signer-worker': {
    summary: 'reports signing outcomes; subscribes to nothing',
    calls: [],
    serves: [],
    publishes: [signingOutcomes],
    subscribes: [],
  },
  'admin-api': {
    summary: 'operators: administers challenges, policy rules and pending enrollments',
    calls: [
      EnrollmentFind,
      EnrollmentDecide,
      ChallengeConfigure,
      ChallengeSetStatic,
      ChallengeMint,
      ChallengeList,
      ChallengeSetIntuneConnection,
      PolicyDryRun,
      PolicyGetRules,
      PolicySetRules,
    ],
    serves: [],
    publishes: [tenancyChanged],
    subscribes: [],
  },
};

/**
 * The reply inboxes of a NATS user: the client's `inboxPrefix` (nc.request subscribes `<prefix>.<nuid>.*`) and the
 * only inbox subjects the server lets that user subscribe to, so no service reads another's replies.
 */
export function natsInboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

/** The subjects of one user of a deployment, as the server enforces them. */
export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** Whether it may publish replies to the requests it received (only while answering them: `allow_responses`). */
  readonly allowResponses: boolean;
}

export function natsPermissionsOf(service: NatsService, namespace: string, user: string = service): NatsPermissions {
  const role = NATS_SERVICE_ROLES[service];
  const rpc = (contracts: readonly RpcSubjectOf[]) => contracts.map((contract) => rpcSubject(namespace, contract));
  const broadcast = (subjects: readonly BroadcastSubject[]) => subjects.map((b) => b.subject(namespace));
  return {
    publish: unique([...rpc(role.calls), ...broadcast(role.publishes)]),
    subscribe: unique([...(role.calls.length ? [`${natsInboxPrefix(user)}.>`] : []), ...rpc(role.serves), ...broadcast(role.subscribes)]),
    allowResponses: role.serves.length > 0,
  };
}

function unique(subjects: string[]): string[] {
  return [...new Set(subjects)];
}
