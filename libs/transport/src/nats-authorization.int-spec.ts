import { randomBytes, randomUUID } from 'node:crypto';
import { ErrorCode, type NatsConnection as Connection, type NatsError, type Subscription, connect } from 'nats';
import { EnrollmentSubmit, rpcSubject } from '@scep/contracts';
import { loadConfig } from '@scep/config';
import { type OwnNatsServer, startOwnNatsServer } from '@scep/testing';
import { NatsConnection } from './nats-connection';
import { natsConnectionOptions } from './nats-options';
import { NATS_SERVICES, type NatsService } from './nats-permissions';
import { natsPasswordHash } from './nats-password-hash';
import { natsAuthorizationConfig, natsPasswordVariable } from './nats-server-config';
import { RpcClient } from './rpc-client';
import { transportEnv } from './transport-config';

/**
 * The platform's generated NATS authorization, enforced by a real nats-server of this test's own: the gateway — assumed
 * compromised — can submit an enrollment and nothing else that matters. Each refusal is asserted twice: the server
 * reports it to the client (a permissions violation naming the operation and the subject), and the service that
 * would have received the message gets nothing, while the same message from its legitimate sender arrives.
 */
const namespace = `t${process.pid}${randomBytes(3).toString('hex')}`;
const passwords = Object.fromEntries(NATS_SERVICES.map((s) => [s, randomBytes(18).toString('base64url')])) as Record<NatsService, string>;
const subject = (name: string) => `${namespace}.${name}`;

type Refusal = { operation: string; subject: string; queue?: string };

/** A connection as one service, with what the server refused it. */
interface Client {
  readonly connection: Connection;
  readonly refusals: Refusal[];
}

let server: OwnNatsServer;
const clients: Connection[] = [];

function configAs(service: NatsService) {
  return loadConfig(transportEnv, { NATS_URL: server.url, RPC_NAMESPACE: namespace, NATS_USER: service, NATS_PASSWORD: passwords[service] });
}

async function connectAs(service: NatsService): Promise<Client> {
  const connection = await connect({ ...natsConnectionOptions(`test-${service}`, configAs(service)), waitOnFirstConnect: false, maxReconnectAttempts: 0 });
  clients.push(connection);
  const refusals: Refusal[] = [];
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'error' && status.permissionContext) refusals.push({ ...status.permissionContext });
    }
  })();
  return { connection, refusals };
}

/** Polls (bounded) until `done`; the last word is the caller's expect. */
async function until(done: () => boolean, timeoutMs = 3_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
}

/** The server told `client` it refused this operation (status events arrive a little after the failed call). */
async function expectRefused(client: Client, refusal: { operation: 'publish' | 'subscription'; subject: string; queue?: string }): Promise<void> {
  await until(() => client.refusals.some((r) => r.operation === refusal.operation && r.subject === refusal.subject));
  expect(client.refusals).toContainEqual({ queue: undefined, ...refusal });
}

/** Counts what arrives on a subscription the receiving service is allowed to make. */
function listen(client: Client, on: string, options: { queue?: string } = {}): { received: string[]; subscription: Subscription } {
  const received: string[] = [];
  const subscription = client.connection.subscribe(on, { ...options, callback: (error, message) => !error && received.push(message.string()) });
  return { received, subscription };
}

beforeAll(async () => {
  // As recommended in production: nats-server's environment holds only bcrypt hashes of the services' passwords.
  const env = Object.fromEntries(NATS_SERVICES.map((s) => [natsPasswordVariable(s), natsPasswordHash(passwords[s], 4)]));
  server = await startOwnNatsServer({ config: natsAuthorizationConfig({ namespace }), env });
}, 20_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await server?.stop();
});

describe('NATS authorization of the platform (own nats-server, generated configuration)', () => {
  it('refuses a client without credentials or with a wrong password', async () => {
    const base = { servers: server.url, maxReconnectAttempts: 0, reconnect: false };
    await expect(connect(base)).rejects.toMatchObject({ code: ErrorCode.AuthorizationViolation });
    await expect(connect({ ...base, user: 'scep-gateway', pass: passwords['policy-service'] })).rejects.toMatchObject({ code: ErrorCode.AuthorizationViolation });
  });

  it('round-trips enrollment.submit from the gateway (the RpcClient it runs) to the policy service, replying on the gateway inbox', async () => {
    const policy = await connectAs('policy-service');
    const replyTos: string[] = [];
    policy.connection.subscribe(subject('enrollment.submit'), {
      queue: `${namespace}.policy-service`,
      callback: (error, message) => {
        if (error) return;
        replyTos.push(message.reply ?? '');
        message.respond(Buffer.from(JSON.stringify({ response: { state: 'pending' } })));
      },
    });
    await policy.connection.flush();

    // The gateway's own NATS plumbing, configured from its environment as in production.
    const gatewayNats = new NatsConnection();
    const original = { ...process.env };
    Object.assign(process.env, { NATS_URL: server.url, RPC_NAMESPACE: namespace, NATS_USER: 'scep-gateway', NATS_PASSWORD: passwords['scep-gateway'], RPC_TIMEOUT_MS: '3000' });
    try {
      const rpc = new RpcClient(gatewayNats);
      const state = await rpc.call(EnrollmentSubmit, {
        tenantId: randomUUID(),
        profileId: randomUUID(),
        transactionId: 'tx-1',
        messageType: 19,
        csrDer: 'MAA=',
        signerFingerprint: 'a'.repeat(64),
        signerCertificateFingerprint: 'b'.repeat(64),
        issuingCaId: randomUUID(),
        requestCipher: 'aes-256-cbc',
        requestDigest: 'sha256',
      });
      expect(state).toEqual({ state: 'pending' });
      expect(replyTos).toHaveLength(1);
      expect(replyTos[0]).toMatch(/^_INBOX_scep-gateway\./);
    } finally {
      process.env = original;
      await gatewayNats.onApplicationShutdown();
    }
    expect(policy.refusals).toEqual([]);
  });

  describe('the gateway', () => {
    let gateway: Client;
    beforeAll(async () => {
      gateway = await connectAs('scep-gateway');
    });

    it.each([
      ['answer challenge verifications in the challenge service queue group', subject('challenge.verify'), `${namespace}.challenge-service`],
      ['read every reply of every service', '_INBOX.>', undefined],
      ["read the admin API's replies", '_INBOX_admin-api.>', undefined],
      ['read everything', '>', undefined],
      ['read signing outcomes', subject('policy.signing-outcome.*'), undefined],
    ])('cannot subscribe to %s (%s)', async (_what, on, queue) => {
      const errors: NatsError[] = [];
      const subscription = gateway.connection.subscribe(on, { queue, callback: (error) => error && errors.push(error) });
      await gateway.connection.flush();
      await until(() => errors.length > 0);
      expect(errors.map((e) => e.code)).toEqual([ErrorCode.PermissionsViolation]);
      expect(subscription.isClosed()).toBe(true);
      await expectRefused(gateway, { operation: 'subscription', subject: on, queue });
    });

    it.each([
      ['enrollment.decide', 'policy-service', 'admin-api'],
      ['challenge.mint', 'challenge-service', 'admin-api'],
      ['challenge.verify', 'challenge-service', 'policy-service'],
      ['policy.set-rules', 'policy-service', 'admin-api'],
    ] as const)('cannot call %s (its request never reaches the %s, while the %s reaches it)', async (name, owner, legitimateCaller) => {
      const receiver = await connectAs(owner);
      const { received } = listen(receiver, subject(name), { queue: `${namespace}.${owner}` });
      await receiver.connection.flush();

      await expect(gateway.connection.request(subject(name), Buffer.from('{}'), { timeout: 2_000 })).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
      await expectRefused(gateway, { operation: 'publish', subject: subject(name) });

      const caller = await connectAs(legitimateCaller);
      caller.connection.publish(subject(name), Buffer.from('from its caller'));
      await caller.connection.flush();
      await until(() => received.length > 0);
      expect(received).toEqual(['from its caller']);
    });

    it.each([
      ['a client-locked event (locking honest devices out)', 'events.client-locked', 'challenge-service', 'challenge-service'],
      ['a signing outcome', 'policy.signing-outcome.x', 'policy-service', 'signer-worker'],
      ['a tenancy-changed event', 'events.tenancy-changed', 'policy-service', 'admin-api'],
    ] as const)('cannot publish %s', async (_what, name, receiverService, legitimatePublisher) => {
      const receiver = await connectAs(receiverService);
      const { received } = listen(receiver, subject(name));
      await receiver.connection.flush();

      gateway.connection.publish(subject(name), Buffer.from('forged'));
      await gateway.connection.flush();
      await expectRefused(gateway, { operation: 'publish', subject: subject(name) });

      const publisher = await connectAs(legitimatePublisher);
      publisher.connection.publish(subject(name), Buffer.from('genuine'));
      await publisher.connection.flush();
      await until(() => received.length > 0);
      await receiver.connection.flush();
      expect(received).toEqual(['genuine']);
    });

    it("cannot forge a reply into another service's inbox", async () => {
      const policy = await connectAs('policy-service');
      const { received } = listen(policy, '_INBOX_policy-service.>');
      await policy.connection.flush();
      gateway.connection.publish('_INBOX_policy-service.forged', Buffer.from('{"response":{"decision":"accept"}}'));
      await gateway.connection.flush();
      await expectRefused(gateway, { operation: 'publish', subject: '_INBOX_policy-service.forged' });
      await policy.connection.flush();
      expect(received).toEqual([]);
    });

    it('still hears the events it needs', async () => {
      const { received } = listen(gateway, subject('events.client-locked'));
      await gateway.connection.flush();
      const challenge = await connectAs('challenge-service');
      challenge.connection.publish(subject('events.client-locked'), Buffer.from('locked'));
      await challenge.connection.flush();
      await until(() => received.length > 0);
      expect(received).toEqual(['locked']);
    });
  });

  it('keeps the signer deaf: it reports outcomes and subscribes to nothing', async () => {
    const signer = await connectAs('signer-worker');
    const errors: NatsError[] = [];
    signer.connection.subscribe(subject('enrollment.submit'), { callback: (error) => error && errors.push(error) });
    await signer.connection.flush();
    await until(() => errors.length > 0);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.PermissionsViolation]);
    expect(rpcSubject(namespace, EnrollmentSubmit)).toBe(subject('enrollment.submit'));
  });
});
