import fs from 'node:fs';
import { ErrorCode, connect } from 'nats';
import { Client } from 'pg';
import { SERVICE_ROLE_SUFFIXES } from '@scep/persistence-migrations';
import { natsInboxPrefix } from '@scep/transport';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { LeastPrivilegeDeployment } from './support/least-privilege-deployment';
import { bagToPem, opensslVerify, runScepclient, scepclientAvailable } from './support/scepclient';

/**
 * The whole platform under least privilege (docs/adr/009-least-privilege-between-services.md): a nats-server of this
 * test's own with the generated authorization (one user per service, bcrypt hashes in its environment) and one
 * PostgreSQL role per service with exactly its declared grants (`npm run db:roles`). Real clients enroll, the
 * admin API administers, and nothing is refused that the platform needs — while the gateway's identity still cannot
 * approve a pending enrollment, on NATS or in the database.
 */
const available = scepclientAvailable();
const describeIfClient = available ? describe : describe.skip;

describeIfClient('least privilege: the whole platform with per-service NATS users and database roles', () => {
  const stack = new E2eStack();
  const deployment = new LeastPrivilegeDeployment();
  const serviceOf = LeastPrivilegeDeployment.serviceOf;
  const challenge = randomChallenge();
  let laptopsUrl = '';
  let caPem = '';

  beforeAll(async () => {
    await stack.start({ envFor: deployment.envFor });
    // The admin API creates the tenant; the signer its CA and the profile's RA; the challenge service the challenge.
    const acme = await stack.tenantProfile('acme', 'laptops', challenge);
    laptopsUrl = acme.profile.scepUrl;
    const bag = Buffer.from(await (await fetch(`${laptopsUrl}?operation=GetCACert&message=CAIdentifier`)).arrayBuffer());
    caPem = bagToPem(bag);
  }, 180_000);

  afterAll(async () => {
    await stack.stop(); // drops the deployment's database, and with it every grant of the roles
    await deployment.stop();
  }, 60_000);

  it('enrolls micromdm scepclient end to end; the certificate chains to the CA GetCACert publishes', async () => {
    const result = await runScepclient({ url: laptopsUrl, challenge, cn: 'laptop-least-privilege', timeoutMs: 120_000 });
    expect(result.code).toBe(0);
    expect(fs.existsSync(result.certPath)).toBe(true);
    expect(opensslVerify(caPem, result.certPath).output).toContain(': OK');
    const listed = await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates');
    expect(listed.items.map((c: { subject: string }) => c.subject).join()).toContain('laptop-least-privilege');

    // Right after that traffic (and a gateway read its cache cannot answer), each service's pooled connections are
    // still open (pg closes idle ones after 10 s): each is its own role, none the owner.
    await fetch(`${laptopsUrl.replace('/laptops/', '/no-such-profile/')}?operation=GetCACert&message=CAIdentifier`);
    const owner = new Client({ connectionString: stack.databaseUrl });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ application_name: string; usename: string }>(
        `SELECT DISTINCT application_name, usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> ''`,
      );
      const expected = Object.fromEntries(SERVICE_ROLE_SUFFIXES.map((suffix) => [serviceOf(suffix), deployment.roleOf(suffix)]));
      for (const row of rows) expect({ service: row.application_name, role: row.usename }).toEqual({ service: row.application_name, role: expected[row.application_name] });
      expect(new Set(rows.map((r) => r.application_name))).toEqual(new Set(['scep-gateway', 'policy-service', 'challenge-service', 'signer-worker', 'admin-api']));
    } finally {
      await owner.end();
    }
  });

  it('connected every service to NATS as its own user (the signer once it reported an outcome), and nothing without one', async () => {
    const connz = (await (await fetch(`${deployment.nats?.server.monitoringUrl}/connz?auth=true&limit=1000`)).json()) as { connections: Array<{ name?: string; authorized_user?: string }> };
    const users = new Set(connz.connections.map((c) => c.authorized_user));
    expect([...users].sort()).toEqual(SERVICE_ROLE_SUFFIXES.map((s) => deployment.nats?.credentials[serviceOf(s)].NATS_USER).sort());
  });

  it("lets the admin API hold and approve a pending enrollment, which the gateway's identities cannot approve", async () => {
    const deskChallenge = randomChallenge();
    const desks = await stack.tenantProfile('acme', 'desks', deskChallenge, { syncWaitMs: 500 });
    await stack.admin.expectOk('PUT', '/v1/tenants/acme/profiles/desks/policy', { approval: { mode: 'manual', pendingTtlHours: 1 } });
    const client = runScepclient({ url: desks.profile.scepUrl, challenge: deskChallenge, cn: 'desk-7', timeoutMs: 110_000 });

    let pending: Array<{ id: string; subject: string }> = [];
    for (let i = 0; i < 60 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      pending = (await stack.admin.expectOk('GET', '/v1/tenants/acme/enrollments?profile=desks&status=pending')).items;
    }
    expect(pending).toHaveLength(1);
    const enrollmentId = (pending[0] as { id: string }).id;

    // As the gateway on NATS: the decision subject is closed to it.
    const { NATS_USER, NATS_PASSWORD } = deployment.nats?.credentials['scep-gateway'] ?? { NATS_USER: '', NATS_PASSWORD: '' };
    const gateway = await connect({ servers: deployment.nats?.url, user: NATS_USER, pass: NATS_PASSWORD, inboxPrefix: natsInboxPrefix(NATS_USER), reconnect: false });
    try {
      const body = JSON.stringify({ pattern: 'x', id: 'forged', data: { enrollmentId, verdict: 'approve', actor: 'gateway', tenantId: enrollmentId } });
      await expect(gateway.request(`${deployment.namespace}.enrollment.decide`, Buffer.from(body), { timeout: 2_000 })).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    } finally {
      await gateway.close();
    }
    // As the gateway in PostgreSQL: enrollments are not its to read or write.
    const gatewayDb = new Client({ connectionString: deployment.databaseUrlOf('gateway') });
    await gatewayDb.connect();
    try {
      await expect(gatewayDb.query(`UPDATE enrollment.transactions SET status = 'queued' WHERE id = $1`, [enrollmentId])).rejects.toMatchObject({ code: '42501' });
    } finally {
      await gatewayDb.end();
    }
    expect((await stack.admin.expectOk('GET', '/v1/tenants/acme/enrollments?profile=desks&status=pending')).items).toHaveLength(1);

    const approval = await stack.admin.expectOk('POST', `/v1/tenants/acme/enrollments/${enrollmentId}/approve`, { reason: 'asset tag checked' });
    expect(approval).toMatchObject({ status: 'queued' });
    const result = await client; // scepclient polls again after 30 s and gets its certificate
    expect(result.output).toMatch(/PENDING/);
    expect(result.code).toBe(0);
    expect(opensslVerify(bagToPem(Buffer.from(await (await fetch(`${desks.profile.scepUrl}?operation=GetCACert&message=CAIdentifier`)).arrayBuffer())), result.certPath).ok).toBe(true);
  }, 150_000);

  it('logged no refusal (no NATS permissions violation, no database permission denied) and no password', () => {
    const refusals = stack.logs.filter((l) => /permissions violation|permission denied/i.test(l.line));
    expect(refusals.map((l) => `${l.service}: ${l.line.slice(0, 300)}`)).toEqual([]);
    const passwords = [...Object.values(deployment.dbPasswords), ...Object.values(deployment.nats?.credentials ?? {}).map((c) => c.NATS_PASSWORD)];
    expect(passwords).toHaveLength(10);
    expect(stack.logs.filter((l) => passwords.some((p) => l.line.includes(p))).map((l) => l.service)).toEqual([]);
    // The gateway's refused decide above is the one violation nats-server saw.
    const violations = (deployment.nats?.server.log() ?? '').split('\n').filter((l) => /Violation/.test(l));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(/Publish Violation.*scep-gateway.*enrollment\.decide/);
  });
});

if (!available) {
  it('least-privilege e2e skipped: /usr/bin/scepclient not installed (apt-get install scep)', () => undefined);
}
