import { FailInfo, PkiStatus } from '@scep/codec';
import { derToPem } from '@scep/pki';
import { E2E_PROFILE_POLICY, E2eStack, randomChallenge } from './support/e2e-stack';
import { httpHead, rawRequest } from './support/hostile-client';
import { opensslVerify, runScepclient, scepclientAvailable } from './support/scepclient';
import { scratchDir } from './support/scratch-dir';
import { type RaMaterial, getCaCert, makeDevice, pkcsReq, postPkiOperation, read } from './support/test-client';

/**
 * The external review's findings (issue: hardening), each against the real services: renewal across profiles, the
 * transport edge (Content-Type, body size, X-Forwarded-For), the FAILURE budget before RSA work, and per-profile
 * content ciphers.
 */
describe('hardening (real services)', () => {
  const stack = new E2eStack();
  const challenge = randomChallenge();
  let staticUrl: string;
  let gatewayPort: number;

  beforeAll(async () => {
    await stack.start({
      env: {
        // One proxy in front: X-Forwarded-For is read (and must survive garbage).
        SCEP_GATEWAY_TRUSTED_PROXY_HOPS: '1',
        SCEP_GATEWAY_FAILURES_PER_CLIENT: '4',
        SCEP_GATEWAY_FAILURE_WINDOW_SECONDS: '600',
      },
    });
    staticUrl = (await stack.tenantProfile('corp', 'wifi', challenge)).profile.scepUrl;
    gatewayPort = Number(new URL(stack.gatewayUrl).port);
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  /** Another profile of corp's CA, created through the admin API with the given settings. */
  const profileOnSameCa = async (slug: string, body: Record<string, unknown>, policy?: object) => {
    const cas = await stack.admin.expectOk('GET', '/v1/tenants/corp/cas');
    const created = await stack.admin.expectOk('POST', '/v1/tenants/corp/profiles', { slug, caId: cas.items[0].id, ...body });
    if (policy) await stack.admin.expectOk('PUT', `/v1/tenants/corp/profiles/${slug}/policy`, policy);
    return created.scepUrl as string;
  };

  const profileView = async (slug: string) => (await stack.admin.expectOk('GET', '/v1/tenants/corp/profiles')).items.find((p: { slug: string }) => p.slug === slug);

  (scepclientAvailable() ? it : it.skip)(
    "refuses a certificate of a static-challenge profile as a renewal into a one-time-challenge, manual-approval profile (the review's case, with scepclient)",
    async () => {
      const dir = scratchDir('cross-profile-');
      const enrolled = await runScepclient({ url: staticUrl, challenge, cn: 'wifi-laptop', dir });
      expect(enrolled.code).toBe(0);
      const manualUrl = await profileOnSameCa(
        'vpn-manual',
        { challengeMode: 'dynamic', contentCiphers: ['aes-256-cbc', 'des-ede3-cbc', 'des-cbc'] },
        { ...E2E_PROFILE_POLICY, approval: { mode: 'manual' } },
      );
      // scepclient finds its certificate and key in the directory and renews with them (RenewalReq), no challenge.
      const crossing = await runScepclient({ url: manualUrl, challenge: 'none', cn: 'wifi-laptop', dir });
      expect(crossing.code).not.toBe(0);
      expect(crossing.output).toMatch(/failInfo: badCertID/);
      expect(stack.pkiOperations().at(-1)).toMatchObject({ messageType: 17, pkiStatus: 'Failure', failInfo: 'BadCertId', reason: expect.stringContaining('renewal-profile') });
      const issued = await stack.admin.expectOk('GET', '/v1/tenants/corp/certificates?limit=500');
      const vpnProfileId = (await profileView('vpn-manual')).id;
      expect(issued.items.filter((c: { profileId: string }) => c.profileId === vpnProfileId)).toEqual([]);

      // The operator lets wifi certificates renew into the VPN profile: allowed now, and without waiting (same identity).
      await stack.admin.expectOk('PUT', '/v1/tenants/corp/profiles/vpn-manual/policy', { ...E2E_PROFILE_POLICY, approval: { mode: 'manual' }, renewal: { ...E2E_PROFILE_POLICY.renewal, fromProfiles: ['wifi'] } });
      const allowed = await runScepclient({ url: manualUrl, challenge: 'none', cn: 'wifi-laptop', dir });
      expect(allowed.output).not.toMatch(/failInfo/);
      expect(allowed.code).toBe(0);
      expect(opensslVerify(derToPem((await getCaCert(manualUrl)).ca.der, 'CERTIFICATE'), allowed.certPath).ok).toBe(true);
    },
    180_000,
  );

  it('reads a POST body raw whatever its Content-Type (application/x-www-form-urlencoded included)', async () => {
    const ra = await getCaCert(staticUrl);
    for (const contentType of ['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const device = makeDevice('form-poster', challenge);
      const reply = await postPkiOperation(staticUrl, pkcsReq(device, ra).der, contentType);
      expect({ contentType, status: reply.status }).toEqual({ contentType, status: 200 });
      expect(read(reply.body, ra, device).status).toBe(PkiStatus.Success);
    }
  });

  it('answers a 5 MB POST with a 413 the client can read, and stays up', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024, 0x30);
    const path = `/scep/corp/wifi/pkiclient.exe?operation=PKIOperation`;
    const response = await rawRequest(gatewayPort, httpHead('POST', path, { 'content-type': 'application/octet-stream', 'content-length': body.length }), body, { timeoutMs: 30_000 });
    expect(response).toMatchObject({ status: 413, reset: false });
    expect((await fetch(`${staticUrl}?operation=GetCACaps`)).status).toBe(200);
  });

  it('never answers 5xx for a forged, oversize or garbage X-Forwarded-For', async () => {
    const forwarded = ['not-an-ip', 'a'.repeat(200), '1.2.3.4, '.repeat(500), '::ffff:999.1.1.1', '[::1]:443', '\u00ff\u00fe', ''];
    for (const value of forwarded) {
      const response = await rawRequest(gatewayPort, httpHead('GET', '/scep/corp/wifi/pkiclient.exe?operation=GetCACaps', { 'x-forwarded-for': value }), undefined, { timeoutMs: 10_000 });
      expect({ value: value.slice(0, 20), status: response.status }).toEqual({ value: value.slice(0, 20), status: 200 });
    }
  });

  it('refuses a client with HTTP 429 before any RSA work once it has spent its budget of signed FAILUREs', async () => {
    const budgetUrl = await profileOnSameCa('budget', { challenge: randomChallenge() }, E2E_PROFILE_POLICY);
    const ra = await getCaCert(budgetUrl);
    const answers: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 6; i++) {
      const reply = await postPkiOperation(budgetUrl, pkcsReq(makeDevice(`guess-${i}`, 'wrong'), ra).der);
      answers.push(reply.status);
      if (reply.status === 429) retryAfter = reply.headers['retry-after'];
    }
    expect(answers).toEqual([200, 200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(500);
    // Another profile (or another client address) is not affected.
    const device = makeDevice('someone-else', challenge);
    const elsewhere = await postPkiOperation(staticUrl, pkcsReq(device, await getCaCert(staticUrl)).der);
    expect(read(elsewhere.body, await getCaCert(staticUrl), device).status).toBe(PkiStatus.Success);
  });

  it('accepts the content ciphers a profile lists: a new profile refuses single DES (badAlg) and accepts AES and 3DES', async () => {
    const strictChallenge = randomChallenge();
    const strictUrl = await profileOnSameCa('strict', { challenge: strictChallenge }, E2E_PROFILE_POLICY);
    const view = await profileView('strict');
    expect(view.contentCiphers).not.toContain('des-cbc');
    const caps = await (await fetch(`${strictUrl}?operation=GetCACaps`)).text();
    expect(caps).toMatch(/AES/);
    expect(caps).not.toMatch(/^DES$/m);
    const ra: RaMaterial = await getCaCert(strictUrl);
    const des = makeDevice('des-device', strictChallenge);
    expect(read((await postPkiOperation(strictUrl, pkcsReq(des, ra, { cipher: 'des-cbc' }).der)).body, ra, des)).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadAlg });
    for (const cipher of ['aes-128-cbc', 'des-ede3-cbc'] as const) {
      const device = makeDevice(`${cipher}-device`, strictChallenge);
      expect(read((await postPkiOperation(strictUrl, pkcsReq(device, ra, { cipher }).der)).body, ra, device).status).toBe(PkiStatus.Success);
    }
  });
});
