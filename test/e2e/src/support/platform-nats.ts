import { randomBytes } from 'node:crypto';
import { NATS_SERVICES, type NatsService, natsAuthorizationConfig, natsPasswordVariable, natsUserOf } from '@scep/transport';
import { natsPasswordHash } from '@scep/transport/nats-password-hash';
import { type OwnNatsServer, startOwnNatsServer } from '@scep/testing';

/** What a service is given to authenticate to NATS (its NATS_USER / NATS_PASSWORD). */
export type NatsCredentials = { readonly NATS_USER: string; readonly NATS_PASSWORD: string };

export interface PlatformNats {
  readonly server: OwnNatsServer;
  readonly url: string;
  /** Per service, as `npm run nats:config` names its user. */
  readonly credentials: Readonly<Record<NatsService, NatsCredentials>>;
  stop(): Promise<void>;
}

/**
 * A nats-server of a test's own, configured with the platform's generated authorization for `namespace` (the same
 * text `npm run nats:config` writes) and a fresh random password per service. As recommended for production, the
 * server's environment (the variables that text references) holds only their bcrypt hashes (cost 4: a test).
 */
export async function startPlatformNats(namespace: string): Promise<PlatformNats> {
  const credentials = Object.fromEntries(
    NATS_SERVICES.map((service) => [service, { NATS_USER: natsUserOf(service), NATS_PASSWORD: randomBytes(24).toString('base64url') }]),
  ) as Record<NatsService, NatsCredentials>;
  const env = Object.fromEntries(
    NATS_SERVICES.map((service) => [natsPasswordVariable(credentials[service].NATS_USER), natsPasswordHash(credentials[service].NATS_PASSWORD, 4)]),
  );
  const server = await startOwnNatsServer({ config: natsAuthorizationConfig({ namespace }), env });
  return { server, url: server.url, credentials, stop: () => server.stop() };
}
