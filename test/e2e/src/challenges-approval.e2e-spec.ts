import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { FailInfo, PkiStatus } from '@scep/codec';
import { derToPem, readCertificate } from '@scep/pki';
import { FakeIntune } from '@scep/testing';
import { createHash } from 'node:crypto';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { opensslVerify, runScepclient, scepclientAvailable } from './support/scepclient';
import { type RaMaterial, getCaCert, makeDevice, pkcsReq, postPkiOperation, read } from './support/test-client';

const withClient = scepclientAvailable() ? it : it.skip;

/**
 * Who may get which certificate, against the real services: one-time challenges minted by an MDM integration, a
 * webhook validator, manual approval driven through scepclient's own polling, the dry run, and the lockout.
 */
describe('challenges, policy and approval (real services)', () => {
  const stack = new E2eStack();
  const webhookSecret = 'webhook-secret-0123456789';
  const webhookSeen: Array<{ body: Record<string, unknown>; signatureOk: boolean }> = [];
  let webhook: http.Server;
  let webhookUrl: string;

  beforeAll(async () => {
    webhook = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const timestamp = String(req.headers['x-scep-timestamp'] ?? '');
        const expected = `sha256=${createHmac('sha256', webhookSecret).update(`${timestamp}.${raw}`).digest('hex')}`;
        const body = JSON.parse(raw) as Record<string, unknown>;
        webhookSeen.push({ body, signatureOk: req.headers['x-scep-signature'] === expected });
        const allow = body.challenge === 'let-me-in-please' && String(body.subject).includes('CN=hook-ok');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ allow, reason: allow ? undefined : 'not on the list' }));
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/validate`;
    await stack.start();
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
    await new Promise((resolve) => webhook.close(resolve));
  }, 60_000);

  const createProfile = async (tenant: string, profile: string, body: Record<string, unknown>) => {
    const tenantResult = await stack.admin.call('GET', `/v1/tenants/${tenant}`);
    if (tenantResult.status === 404) await stack.admin.expectOk('POST', '/v1/tenants', { slug: tenant, displayName: tenant });
    const cas = await stack.admin.expectOk('GET', `/v1/tenants/${tenant}/cas`);
    const ca = cas.items[0] ?? (await stack.admin.expectOk('POST', `/v1/tenants/${tenant}/cas`, { name: `${tenant}-ca`, subject: `CN=${tenant} CA` }));
    // scepclient (used below) always encrypts with single DES: allowed explicitly, as the development profile does.
    return stack.admin.expectOk('POST', `/v1/tenants/${tenant}/profiles`, { slug: profile, caId: ca.id, contentCiphers: ['aes-256-cbc', 'des-ede3-cbc', 'des-cbc'], ...body });
  };

  describe('dynamic one-time challenges', () => {
    let url: string;
    let ra: RaMaterial;

    beforeAll(async () => {
      url = (await createProfile('jamf', 'macs', { challengeMode: 'dynamic' })).scepUrl;
      ra = await getCaCert(url);
    }, 60_000);

    withClient('mints a challenge that enrolls once with scepclient; the same value is refused for another key', async () => {
      const minted = await stack.admin.expectOk('POST', '/v1/tenants/jamf/profiles/macs/challenges', { ttlSeconds: 600 });
      expect(minted.challenge).toMatch(/^[A-Za-z0-9]{22,}$/);
      const first = await runScepclient({ url, challenge: minted.challenge, cn: 'mac-1' });
      expect(first.code).toBe(0);
      expect(opensslVerify(derToPem(ra.ca.der, 'CERTIFICATE'), first.certPath).ok).toBe(true);
      const second = await runScepclient({ url, challenge: minted.challenge, cn: 'mac-2' });
      expect(second.code).not.toBe(0);
      expect(second.output).toMatch(/failInfo: badRequest/);
      const listed = await stack.admin.expectOk('GET', '/v1/tenants/jamf/profiles/macs/challenges');
      const item = listed.items.find((c: { id: string }) => c.id === minted.id);
      expect(item).toMatchObject({ consumedAt: expect.any(String), consumedTransactionId: expect.any(String) });
      expect(JSON.stringify(listed)).not.toContain(minted.challenge);
    });

    it('lets the same transaction retry with its consumed challenge, and enforces a bound subject', async () => {
      const minted = await stack.admin.expectOk('POST', '/v1/tenants/jamf/profiles/macs/challenges', { expectedSubject: 'CN=bound-device,O=E2E' });
      const wrong = makeDevice('someone-else', minted.challenge);
      expect(read((await postPkiOperation(url, pkcsReq(wrong, ra).der)).body, ra, wrong)).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadRequest });
      const device = makeDevice('bound-device', minted.challenge);
      const request = pkcsReq(device, ra);
      const ok = read((await postPkiOperation(url, request.der)).body, ra, device);
      expect(ok.status).toBe(PkiStatus.Success);
      const retry = read((await postPkiOperation(url, pkcsReq(device, ra, { transactionId: request.transactionId }).der)).body, ra, device);
      expect(retry.status).toBe(PkiStatus.Success);
      expect(retry.certificates[0]?.equals(ok.certificates[0] as Buffer)).toBe(true);
    });

    it('refuses to mint for a profile that is not dynamic (409 naming the field)', async () => {
      await createProfile('jamf', 'static-one', { challenge: randomChallenge() });
      const response = await stack.admin.call('POST', '/v1/tenants/jamf/profiles/static-one/challenges', {});
      expect(response).toMatchObject({ status: 409, body: { field: 'mode' } });
    });
  });

  describe('webhook validator', () => {
    it('asks the webhook with an HMAC signature and follows its answer', async () => {
      const missing = await createProfile('hooked', 'wifi-x', { challengeMode: 'webhook' }).catch((e: Error) => e.message);
      expect(missing).toMatch(/400.*webhook/);
      const url = (await createProfile('hooked', 'wifi', { challengeMode: 'static', challenge: randomChallenge() })).scepUrl;
      expect(await stack.admin.call('PUT', '/v1/tenants/hooked/profiles/wifi/challenge', { mode: 'webhook' })).toMatchObject({ status: 400, body: { field: 'webhook' } });
      await stack.admin.expectOk('PUT', '/v1/tenants/hooked/profiles/wifi/challenge', { mode: 'webhook', webhook: { url: webhookUrl, secret: webhookSecret, timeoutMs: 2000 } });
      const ra = await getCaCert(url);
      const allowed = makeDevice('hook-ok-1', 'let-me-in-please');
      expect(read((await postPkiOperation(url, pkcsReq(allowed, ra).der)).body, ra, allowed).status).toBe(PkiStatus.Success);
      const denied = makeDevice('hook-nope', 'let-me-in-please');
      expect(read((await postPkiOperation(url, pkcsReq(denied, ra).der)).body, ra, denied)).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadRequest });
      expect(webhookSeen.length).toBeGreaterThanOrEqual(2);
      expect(webhookSeen.every((s) => s.signatureOk)).toBe(true);
      expect(webhookSeen[0]?.body).toMatchObject({ subject: expect.stringContaining('CN=hook-ok-1'), keyAlgorithm: 'rsa', keySize: 2048, transactionId: expect.any(String), clientAddress: expect.any(String) });
    });
  });

  describe('Intune', () => {
    const credentials = { azureTenantId: 'contoso-tenant', clientId: 'scep-app', clientSecret: 'client-secret-value-42' };
    let intune: FakeIntune;

    beforeAll(async () => {
      intune = await FakeIntune.start(credentials);
    });

    afterAll(async () => {
      await intune?.stop();
    });

    it('validates each request with Intune, and notifies the outcome after issuance or refusal', async () => {
      const url = (await createProfile('contoso', 'intune', { challengeMode: 'intune' })).scepUrl;
      await stack.admin.expectOk('PUT', '/v1/tenants/contoso/intune', { ...credentials, loginUrl: intune.url, graphUrl: intune.url });
      const ra = await getCaCert(url);

      // Intune says yes: the certificate is issued and Intune hears about it, with the documented fields.
      intune.answerValidation({ kind: 'code', code: 'Success' });
      const device = makeDevice('intune-device', 'intune-encrypted-challenge-blob');
      const request = pkcsReq(device, ra);
      const reply = read((await postPkiOperation(url, request.der)).body, ra, device);
      expect(reply.status).toBe(PkiStatus.Success);
      const issued = readCertificate(reply.certificates[0] as Buffer);
      for (let i = 0; i < 60 && intune.callsOf('successNotification').length === 0; i++) await new Promise((r) => setTimeout(r, 250));
      const [success] = intune.callsOf('successNotification');
      expect(success?.body.notification).toMatchObject({
        transactionId: request.transactionId,
        certificateSerialNumber: issued.serialHex,
        certificateThumbprint: createHash('sha1').update(issued.der).digest('hex').toUpperCase(),
      });
      expect(intune.callsOf('validateRequest')[0]?.body).toMatchObject({ request: { transactionId: request.transactionId } });

      // Intune says no: FAILURE, nothing issued, no notification needed (Intune made the call).
      intune.answerValidation({ kind: 'code', code: 'ChallengeExpired' });
      const refused = makeDevice('intune-refused', 'stale-blob');
      expect(read((await postPkiOperation(url, pkcsReq(refused, ra).der)).body, ra, refused)).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadRequest });

      // Intune says yes but the policy refuses (a 1024-bit key): FAILURE, and Intune is told about the failure.
      intune.answerValidation({ kind: 'code', code: 'Success' });
      const weak = makeDevice('intune-weak', 'intune-encrypted-challenge-blob', 1024);
      const weakRequest = pkcsReq(weak, ra);
      expect(read((await postPkiOperation(url, weakRequest.der)).body, ra, weak)).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadRequest });
      for (let i = 0; i < 60 && intune.callsOf('failureNotification').length === 0; i++) await new Promise((r) => setTimeout(r, 250));
      expect(intune.callsOf('failureNotification')[0]?.body.notification).toMatchObject({ transactionId: weakRequest.transactionId, hResult: expect.any(Number) });
      expect(intune.violations).toEqual([]);
      const logs = stack.logs.map((l) => l.line).join('\n');
      expect(logs).not.toContain(credentials.clientSecret);
      expect(logs).not.toContain('intune-encrypted-challenge-blob');
    });
  });

  describe('manual approval', () => {
    withClient('keeps scepclient PENDING until an operator decides: approved -> certificate, rejected -> FAILURE', async () => {
      const challenge = randomChallenge();
      const url = (await createProfile('corp', 'routers', { challenge, syncWaitMs: 500 })).scepUrl;
      await stack.admin.expectOk('PUT', '/v1/tenants/corp/profiles/routers/policy', { approval: { mode: 'manual', pendingTtlHours: 2 } });
      const approved = runScepclient({ url, challenge, cn: 'router-approved', timeoutMs: 110_000 });
      const rejected = runScepclient({ url, challenge, cn: 'router-rejected', timeoutMs: 110_000 });

      let pending: Array<{ id: string; subject: string; status: string }> = [];
      for (let i = 0; i < 60 && pending.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 500));
        pending = (await stack.admin.expectOk('GET', '/v1/tenants/corp/enrollments?profile=routers&status=pending')).items;
      }
      expect(pending).toHaveLength(2);
      const byName = (cn: string) => pending.find((p) => p.subject.includes(cn)) as { id: string };
      const approval = await stack.admin.expectOk('POST', `/v1/tenants/corp/enrollments/${byName('router-approved').id}/approve`, {});
      expect(approval).toMatchObject({ status: 'queued', decidedBy: expect.stringMatching(/^api-key:/) });
      await stack.admin.expectOk('POST', `/v1/tenants/corp/enrollments/${byName('router-rejected').id}/reject`, { reason: 'not in inventory' });
      expect((await stack.admin.call('POST', `/v1/tenants/corp/enrollments/${byName('router-rejected').id}/approve`, {})).status).toBe(409);

      const [ok, no] = await Promise.all([approved, rejected]);
      expect(ok.output).toMatch(/PENDING/);
      expect(ok.code).toBe(0);
      expect(no.code).not.toBe(0);
      expect(no.output).toMatch(/failInfo: badRequest/);
      const record = (await stack.admin.expectOk('GET', '/v1/tenants/corp/enrollments?profile=routers&status=rejected')).items[0];
      expect(record).toMatchObject({ reason: 'rejected by operator: not in inventory', decidedBy: expect.stringMatching(/^api-key:/) });
    }, 150_000);
  });

  describe('dry run and validation', () => {
    it('shows the decision and the planned certificate for a CSR, recording nothing', async () => {
      await createProfile('corp', 'laptops', { challenge: randomChallenge() });
      await stack.admin.expectOk('PUT', '/v1/tenants/corp/profiles/laptops/policy', {
        subject: { template: [{ type: 'CN', pattern: 'lt-[0-9]+' }, { type: 'O', source: 'fixed', value: 'Corp' }] },
        subjectAltNames: { dns: { required: true, pattern: '[a-z0-9-]+\\.corp\\.example' } },
      });
      const csrPem = spawnSync('sh', ['-c', `openssl req -new -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=lt-7 -addext "subjectAltName=DNS:lt-7.corp.example" 2>/dev/null`]).stdout.toString();
      const result = await stack.admin.expectOk('POST', '/v1/tenants/corp/profiles/laptops/dry-run', { csrPem });
      expect(result).toMatchObject({ outcome: 'approve', policyVersion: 1, certificate: { subject: 'CN=lt-7,O=Corp', subjectAltNames: [{ type: 'dns', value: 'lt-7.corp.example' }] } });
      const badSan = spawnSync('sh', ['-c', `openssl req -new -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=lt-8 -addext "subjectAltName=DNS:lt-8.evil.example" 2>/dev/null`]).stdout.toString();
      const refused = await stack.admin.expectOk('POST', '/v1/tenants/corp/profiles/laptops/dry-run', { csrPem: badSan });
      expect(refused).toMatchObject({ outcome: 'reject', failInfo: 'badRequest', reason: expect.stringContaining('san-dns') });
      expect((await stack.admin.expectOk('GET', '/v1/tenants/corp/enrollments?profile=laptops')).items).toEqual([]);
    });

    it('names the offending field in every 400', async () => {
      const cases: Array<[string, string, unknown, string]> = [
        ['PUT', '/v1/tenants/corp/profiles/laptops/policy', { subject: { template: [{ type: 'CN', pattern: '([' }] } }, 'subject.template.0.pattern'],
        ['PUT', '/v1/tenants/corp/profiles/laptops/policy', { keys: { rsa: { minBits: 512 } } }, 'keys.rsa.minBits'],
        ['PUT', '/v1/tenants/corp/profiles/laptops/policy', { approval: { mode: 'sometimes' } }, 'approval.mode'],
        ['PUT', '/v1/tenants/corp/profiles/laptops/challenge', { mode: 'telepathy' }, 'mode'],
        ['PUT', '/v1/tenants/corp/profiles/laptops/challenge/static', { challenge: 'has_underscore_and_!' }, 'challenge'],
        ['POST', '/v1/tenants/corp/profiles', { slug: 'x1', caId: '00000000-0000-4000-8000-000000000000' }, 'challenge'],
        ['POST', '/v1/tenants/corp/profiles/laptops/dry-run', { csrPem: 'not a pem' }, 'csrPem'],
        ['POST', '/v1/tenants/corp/enrollments/not-a-uuid/approve', {}, 'id'],
        ['GET', '/v1/tenants/corp/enrollments?status=maybe', undefined, 'status'],
      ];
      for (const [method, path, body, field] of cases) {
        const response = await stack.admin.call(method, path, body);
        expect({ path, field, status: response.status }).toEqual({ path, field, status: 400 });
        expect(JSON.stringify(response.body)).toContain(field);
      }
      expect((await stack.admin.call('POST', '/v1/tenants/corp/enrollments/00000000-0000-4000-8000-000000000000/approve', {})).status).toBe(404);
    });
  });
});

describe('challenge lockout (real services, low limits)', () => {
  const stack = new E2eStack();

  beforeAll(async () => {
    await stack.start({ env: { CHALLENGE_FAILURES_PER_CLIENT: '3', CHALLENGE_FAILURE_WINDOW_SECONDS: '300', CHALLENGE_LOCKOUT_SECONDS: '600' } });
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it('locks a client out after repeated wrong challenges: even the right one gets 429 with Retry-After, and metrics show it', async () => {
    const challenge = randomChallenge();
    const { profile } = await stack.tenantProfile('acme', 'phones', challenge);
    const ra = await getCaCert(profile.scepUrl);
    for (let i = 0; i < 2; i++) {
      const guess = makeDevice(`guess-${i}`, `${challenge}${i}`);
      expect(read((await postPkiOperation(profile.scepUrl, pkcsReq(guess, ra).der)).body, ra, guess).failInfo).toBe(FailInfo.BadRequest);
    }
    // The third wrong guess reaches the limit: it is the first answer of the lockout.
    const third = await postPkiOperation(profile.scepUrl, pkcsReq(makeDevice('guess-2', `${challenge}2`), ra).der);
    expect(third.status).toBe(429);
    const honest = makeDevice('honest', challenge);
    const refused = await postPkiOperation(profile.scepUrl, pkcsReq(honest, ra).der);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(stack.logs.some((l) => l.service === 'challenge-service' && l.line.includes('locked'))).toBe(true);
    const opsUrl = stack.readyDetails('challenge-service').opsUrl as string | undefined;
    expect(opsUrl).toBeDefined();
    const metrics = await (await fetch(`${opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^scep_challenge_lockouts_total\{scope="client"\} 1$/m);
    const listed = await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates');
    expect(listed.items.filter((c: { subject: string }) => c.subject.includes('honest'))).toEqual([]);
  });
});
