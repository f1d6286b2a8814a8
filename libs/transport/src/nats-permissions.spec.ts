import * as contracts from '@scep/contracts';
import { NATS_SERVICES, NATS_SERVICE_ROLES, natsInboxPrefix, natsPermissionsOf } from './nats-permissions';

/** Every RPC contract @scep/contracts exports (an object with a name and zod request/response schemas). */
const allContracts = Object.values(contracts).filter(
  (value): value is { name: string } =>
    typeof value === 'object' && value !== null && 'name' in value && 'request' in value && 'response' in value,
);

describe('NATS permissions declared per service', () => {
  it('knows every RPC contract, and each is served by exactly one service', () => {
    expect(allContracts.length).toBeGreaterThan(10);
    for (const contract of allContracts) {
      const servers = NATS_SERVICES.filter((s) => NATS_SERVICE_ROLES[s].serves.some((c) => c.name === contract.name));
      expect({ contract: contract.name, servers: servers.length }).toEqual({ contract: contract.name, servers: 1 });
    }
  });

  it('lets no service call a contract nobody serves, or serve what it calls', () => {
    const served = new Set(NATS_SERVICES.flatMap((s) => NATS_SERVICE_ROLES[s].serves.map((c) => c.name)));
    for (const service of NATS_SERVICES) {
      for (const call of NATS_SERVICE_ROLES[service].calls) {
        expect(served.has(call.name)).toBe(true);
        expect(NATS_SERVICE_ROLES[service].serves.map((c) => c.name)).not.toContain(call.name);
      }
    }
  });

  it('gives the gateway three request subjects, its own inboxes and the events it hears: nothing else', () => {
    // Enrollments, and OCSP answers the policy service signs (docs/adr/010-revocation-crl-ocsp.md).
    expect(natsPermissionsOf('scep-gateway', 'prod')).toEqual({
      publish: ['prod.enrollment.submit', 'prod.enrollment.status', 'prod.ocsp.respond'],
      subscribe: ['_INBOX_scep-gateway.>', 'prod.events.tenancy-changed', 'prod.events.client-locked'],
      allowResponses: false,
    });
  });

  it('lets only the signer publish signing outcomes, only the policy service hear them, and the signer hear nothing', () => {
    const outcome = 'prod.policy.signing-outcome.*';
    for (const service of NATS_SERVICES) {
      const permissions = natsPermissionsOf(service, 'prod');
      expect({ service, publishes: permissions.publish.includes(outcome) }).toEqual({ service, publishes: service === 'signer-worker' });
      expect({ service, hears: permissions.subscribe.includes(outcome) }).toEqual({ service, hears: service === 'policy-service' });
    }
    expect(natsPermissionsOf('signer-worker', 'prod').subscribe).toEqual([]);
  });

  it('lets only the challenge service announce lockouts', () => {
    const publishers = NATS_SERVICES.filter((s) => natsPermissionsOf(s, 'prod').publish.includes('prod.events.client-locked'));
    expect(publishers).toEqual(['challenge-service']);
  });

  it('names inboxes after the user, and gives them only to services that call something', () => {
    expect(natsInboxPrefix('scep-gateway')).toBe('_INBOX_scep-gateway');
    expect(natsPermissionsOf('scep-gateway', 'prod', 'staging-scep-gateway').subscribe[0]).toBe('_INBOX_staging-scep-gateway.>');
    for (const service of NATS_SERVICES) {
      const inboxes = natsPermissionsOf(service, 'prod').subscribe.filter((s) => s.startsWith('_INBOX'));
      expect(inboxes).toEqual(NATS_SERVICE_ROLES[service].calls.length ? [`_INBOX_${service}.>`] : []);
    }
  });

  it('uses no wildcard beyond the inboxes and the per-replica outcome subject', () => {
    for (const service of NATS_SERVICES) {
      const { publish, subscribe } = natsPermissionsOf(service, 'prod');
      for (const subject of [...publish, ...subscribe]) {
        if (/[*>]/.test(subject)) expect(subject === 'prod.policy.signing-outcome.*' || /^_INBOX_[a-z-]+\.>$/.test(subject)).toBe(true);
      }
    }
  });
});
