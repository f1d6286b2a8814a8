import { randomBytes } from 'node:crypto';
import { SERVICE_ROLES, SERVICE_ROLE_SUFFIXES, type ServiceRoleSuffix, applyServiceRoles, databaseUrlAs, dropServiceRoles, serviceRoleName } from '@scep/persistence-migrations';
import { TEST_POSTGRES } from '@scep/testing';
import type { NatsService } from '@scep/transport';
import { type PlatformNats, startPlatformNats } from './platform-nats';

/**
 * A deployment under least privilege (docs/adr/009-least-privilege-between-services.md): its own nats-server with
 * the generated authorization and one database role per service (`npm run db:roles`), handed to the services as
 * E2eStack's `envFor`. least-privilege.e2e-spec.ts uses it; E2E_LEAST_PRIVILEGE=1 runs every e2e spec this way.
 */
export class LeastPrivilegeDeployment {
  /** Roles are cluster-wide: a prefix of this run's own. */
  readonly rolePrefix = `lpe2e_${process.pid}_${randomBytes(3).toString('hex')}`;
  readonly dbPasswords = Object.fromEntries(SERVICE_ROLE_SUFFIXES.map((s) => [s, `db-${randomBytes(18).toString('base64url')}`])) as Record<ServiceRoleSuffix, string>;
  nats?: PlatformNats;
  databaseUrl = '';
  namespace = '';

  static serviceOf(suffix: ServiceRoleSuffix): NatsService {
    return SERVICE_ROLES[suffix].service as NatsService;
  }

  /** E2eStack's `envFor`: starts the nats-server, creates the roles, and gives each service its identities. */
  readonly envFor = async (deployment: { databaseUrl: string; namespace: string }): Promise<Record<string, Record<string, string>>> => {
    ({ databaseUrl: this.databaseUrl, namespace: this.namespace } = deployment);
    const nats = await startPlatformNats(deployment.namespace);
    this.nats = nats;
    await applyServiceRoles(deployment.databaseUrl, this.rolePrefix, this.dbPasswords);
    return Object.fromEntries(
      SERVICE_ROLE_SUFFIXES.map((suffix) => {
        const service = LeastPrivilegeDeployment.serviceOf(suffix);
        return [service, { DATABASE_URL: this.databaseUrlOf(suffix), NATS_URL: nats.url, ...nats.credentials[service] }];
      }),
    );
  };

  roleOf(suffix: ServiceRoleSuffix): string {
    return serviceRoleName(this.rolePrefix, suffix);
  }

  /** How that service connects: its role and password on the deployment's database. */
  databaseUrlOf(suffix: ServiceRoleSuffix): string {
    return databaseUrlAs(this.databaseUrl, this.roleOf(suffix), this.dbPasswords[suffix]);
  }

  /** After the stack stopped (its database dropped, and with it every grant): the server and the roles go. */
  async stop(): Promise<void> {
    await this.nats?.stop();
    await dropServiceRoles(TEST_POSTGRES, this.rolePrefix).catch(() => undefined);
  }
}
