/**
 * What each service may do in PostgreSQL, declared once (docs/adr/009-least-privilege-between-services.md): one LOGIN
 * role per service (`npm run db:roles`), granted exactly these privileges and nothing else. Written from the code —
 * each grant says which code needs it: the service's entities and repositories (libs/persistence/<owner>), the
 * read-only projections it uses (libs/persistence/read-models), and its own SQL. Only an owner writes its schema
 * (docs/adr/002-boundaries-and-data-ownership.md); only the signer reads issuance.ca_keys.
 *
 * No sequences: every key is a uuid or computed (crl_number). A table added by a migration gets no grant until it is
 * declared here (service-roles.int-spec.ts fails until then), so nothing is reachable by accident.
 */

/** The schemas the platform's migrations create, one per owner; roles are reset on exactly these. */
export const MANAGED_SCHEMAS = ['tenancy', 'challenge', 'enrollment', 'issuance'] as const;
export type ManagedSchema = (typeof MANAGED_SCHEMAS)[number];

export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface TableGrant {
  /** `<schema>.<table>` */
  readonly table: `${ManagedSchema}.${string}`;
  readonly privileges: readonly TablePrivilege[];
  /** SELECT on these columns only: the rest of the row is another owner's secret. */
  readonly columns?: readonly string[];
  /** The code that needs it. */
  readonly because: string;
}

export interface ServiceRole {
  /** The process that connects as `<prefix>_<suffix>`. */
  readonly service: string;
  /** The schema it owns and alone writes (none: the gateway owns nothing). */
  readonly owns?: ManagedSchema;
  readonly grants: readonly TableGrant[];
}

export const SERVICE_ROLE_SUFFIXES = ['gateway', 'policy', 'challenge', 'signer', 'admin'] as const;
export type ServiceRoleSuffix = (typeof SERVICE_ROLE_SUFFIXES)[number];

const MODE_COLUMNS = ['tenant_id', 'profile_id', 'mode'];

export const SERVICE_ROLES: Readonly<Record<ServiceRoleSuffix, ServiceRole>> = {
  // Internet-facing, assumed compromised: reads public endpoint material only. No key but the RA key blobs it must
  // unwrap, no challenge, no enrollment, no API key, nothing to write.
  gateway: {
    service: 'scep-gateway',
    grants: [
      { table: 'tenancy.tenants', privileges: ['SELECT'], because: 'ScepEndpointReader: tenant by slug' },
      { table: 'tenancy.profiles', privileges: ['SELECT'], because: 'ScepEndpointReader: profile, status, CA/RA generations' },
      {
        table: 'issuance.certificate_authorities',
        privileges: ['SELECT'],
        because: 'ScepEndpointReader: CA certificates (GetCACert); CertificateAuthorityReader: OCSP responder URLs and revocation generations (docs/adr/010)',
      },
      { table: 'issuance.ra_credentials', privileges: ['SELECT'], because: 'ScepEndpointReader: RA certificate and RA key wrapped under the RA KEK' },
      { table: 'issuance.certificates', privileges: ['SELECT'], because: 'IssuedCertificateReader: GetCert, renewal signer lookup' },
      { table: 'issuance.crls', privileges: ['SELECT'], because: 'CrlReader: GetCRL and /crl/...' },
    ],
  },
  policy: {
    service: 'policy-service',
    owns: 'enrollment',
    grants: [
      { table: 'enrollment.transactions', privileges: ['SELECT', 'INSERT', 'UPDATE'], because: 'EnrollmentTransactionRepository (records, supersedes, decides, marks outcomes; never deletes)' },
      { table: 'enrollment.profile_policies', privileges: ['SELECT', 'INSERT'], because: 'ProfilePolicyRepository (rules are versions: insert only)' },
      { table: 'tenancy.profiles', privileges: ['SELECT'], because: 'ProfileSettingsReader' },
      { table: 'tenancy.tenants', privileges: ['SELECT'], columns: ['id', 'slug'], because: 'TenantSlugReader: tenant labels of metrics' },
      { table: 'challenge.profile_settings', privileges: ['SELECT'], columns: MODE_COLUMNS, because: 'ProfileSettingsReader: the challenge mode, never the webhook secret' },
      { table: 'issuance.certificates', privileges: ['SELECT'], because: 'IssuedCertificateReader: reconciler, renewal (the renewed certificate and its signature) and duplicate rules, OCSP statuses' },
      { table: 'issuance.certificate_authorities', privileges: ['SELECT'], because: 'CertificateAuthorityReader: the CA an OCSP request is about (docs/adr/010)' },
      { table: 'issuance.ocsp_responders', privileges: ['SELECT'], because: 'OcspResponderReader: the delegated responder it signs OCSP responses with (docs/adr/010)' },
    ],
  },
  challenge: {
    service: 'challenge-service',
    owns: 'challenge',
    grants: [
      { table: 'challenge.static_challenges', privileges: ['SELECT', 'INSERT', 'UPDATE'], because: 'StaticChallengeService (rotation ends old ones by not_after)' },
      { table: 'challenge.dynamic_challenges', privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], because: 'DynamicChallengeRepository (consume; housekeeping deletes expired)' },
      { table: 'challenge.profile_settings', privileges: ['SELECT', 'INSERT', 'UPDATE'], because: 'ProfileChallengeSettingsRepository (upsert)' },
      { table: 'challenge.intune_connections', privileges: ['SELECT', 'INSERT', 'UPDATE'], because: 'IntuneConnectionRepository (upsert)' },
      { table: 'challenge.intune_notifications', privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], because: 'IntuneNotificationRepository (outbox; housekeeping deletes old rows)' },
    ],
  },
  // The only role that reads issuance.ca_keys.
  signer: {
    service: 'signer-worker',
    owns: 'issuance',
    grants: [
      {
        table: 'issuance.certificate_authorities',
        privileges: ['SELECT', 'INSERT', 'UPDATE'],
        because: 'CertificateAuthorityRepository, CrlRepository; CertificateRevocationRepository bumps revocation_generation',
      },
      { table: 'issuance.ca_keys', privileges: ['SELECT', 'INSERT'], because: 'CaKeyStore (libs/ca-keystore)' },
      { table: 'issuance.ra_credentials', privileges: ['SELECT', 'INSERT'], because: 'RaCredentialRepository' },
      {
        table: 'issuance.certificates',
        privileges: ['SELECT', 'INSERT', 'UPDATE'],
        because: 'IssuedCertificateRepository, CrlRepository (revoked serials); CertificateRevocationRepository (revocations, hold releases)',
      },
      { table: 'issuance.crls', privileges: ['SELECT', 'INSERT'], because: 'CrlRepository' },
      { table: 'issuance.ocsp_responders', privileges: ['SELECT', 'INSERT'], because: 'OcspResponderRepository: delegated OCSP responders (docs/adr/010)' },
    ],
  },
  admin: {
    service: 'admin-api',
    owns: 'tenancy',
    grants: [
      { table: 'tenancy.tenants', privileges: ['SELECT', 'INSERT'], because: 'TenantsController, TenantAccessService' },
      { table: 'tenancy.profiles', privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], because: 'ProfilesService (a profile whose RA failed is deleted while provisioning)' },
      { table: 'tenancy.api_keys', privileges: ['SELECT', 'INSERT', 'UPDATE'], because: 'ApiKeyService (bootstrap key upsert)' },
      { table: 'issuance.certificate_authorities', privileges: ['SELECT'], because: 'CertificateAuthorityReader' },
      { table: 'issuance.certificates', privileges: ['SELECT'], because: 'IssuedCertificateReader: certificate listing, one by serial, bulk revocation dry-run count' },
      { table: 'challenge.profile_settings', privileges: ['SELECT'], columns: MODE_COLUMNS, because: 'ChallengeModeReader: the challenge mode, never the webhook secret' },
    ],
  },
};

/** `<prefix>_<suffix>`, e.g. scep_gateway. */
export function serviceRoleName(prefix: string, suffix: ServiceRoleSuffix): string {
  return `${prefix}_${suffix}`;
}
