import fs from 'node:fs';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { bagToPem, opensslText, opensslVerify, runScepclient, scepclientAvailable } from './support/scepclient';

/**
 * micromdm's scepclient (Debian `scep` 2.1.0) enrolls against the real services running as processes; every issued
 * certificate is checked with `openssl verify` against the CA that GetCACert publishes.
 */
const available = scepclientAvailable();
const describeIfClient = available ? describe : describe.skip;

describeIfClient('enrollment with micromdm scepclient', () => {
  const stack = new E2eStack();
  const acmeChallenge = randomChallenge();
  const globexChallenge = randomChallenge();
  let acmeUrl: string;
  let acmeCaPem: string;
  let globexUrl: string;
  let globexCaPem: string;

  beforeAll(async () => {
    await stack.start();
    const acme = await stack.tenantProfile('acme', 'laptops', acmeChallenge);
    const globex = await stack.tenantProfile('globex', 'routers', globexChallenge);
    acmeUrl = acme.profile.scepUrl;
    globexUrl = globex.profile.scepUrl;
    // The CA as devices see it: from GetCACert (RA first, then CA), not from the admin API.
    const bag = async (url: string) => Buffer.from(await (await fetch(`${url}?operation=GetCACert&message=CAIdentifier`)).arrayBuffer());
    acmeCaPem = bagToPem(await bag(acmeUrl));
    globexCaPem = bagToPem(await bag(globexUrl));
    expect(acmeCaPem).toContain(acme.ca.certificatePem.trim().split('\n')[1]);
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it.each([2048, 4096])('enrolls an RSA-%i key and gets a certificate that chains to the tenant CA', async (keySize) => {
    const result = await runScepclient({ url: acmeUrl, challenge: acmeChallenge, cn: `laptop-${keySize}`, keySize, timeoutMs: 120_000 });
    expect(result.code).toBe(0);
    expect(fs.existsSync(result.certPath)).toBe(true);
    const verify = opensslVerify(acmeCaPem, result.certPath);
    expect(verify.output).toContain(': OK');
    const text = opensslText(result.certPath);
    expect(text).toContain(`CN = laptop-${keySize}`);
    expect(text).toContain(`Public-Key: (${keySize} bit)`);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toContain('TLS Web Client Authentication');
    // The issued certificate is listed by the admin API.
    const listed = await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates');
    expect(listed.items.some((c: { subject: string }) => c.subject.includes(`laptop-${keySize}`))).toBe(true);
  });

  it('refuses a wrong challenge with a signed FAILURE (badRequest) and issues nothing', async () => {
    const before = (await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates')).items.length;
    const result = await runScepclient({ url: acmeUrl, challenge: `${acmeChallenge}x`, cn: 'intruder' });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/failInfo: badRequest/);
    expect(fs.existsSync(result.certPath)).toBe(false);
    expect((await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates')).items.length).toBe(before);
  });

  it("keeps tenants apart: another tenant's challenge is refused, its own CA signs its certificates", async () => {
    const crossed = await runScepclient({ url: globexUrl, challenge: acmeChallenge, cn: 'router-crossed' });
    expect(crossed.code).not.toBe(0);
    expect(crossed.output).toMatch(/failInfo: badRequest/);

    const own = await runScepclient({ url: globexUrl, challenge: globexChallenge, cn: 'router-1' });
    expect(own.code).toBe(0);
    expect(opensslVerify(globexCaPem, own.certPath).ok).toBe(true);
    expect(opensslVerify(acmeCaPem, own.certPath).ok).toBe(false);
    const globexCerts = await stack.admin.expectOk('GET', '/v1/tenants/globex/certificates');
    const acmeCerts = await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates');
    expect(globexCerts.items.map((c: { subject: string }) => c.subject).join()).toContain('router-1');
    expect(acmeCerts.items.map((c: { subject: string }) => c.subject).join()).not.toContain('router-1');
  });

  it('answers PENDING while the signer is down and delivers the certificate on the client resend once it is back', async () => {
    await stack.stopService('signer-worker');
    const client = runScepclient({ url: acmeUrl, challenge: acmeChallenge, cn: 'laptop-pending', timeoutMs: 100_000 });
    // Wait for the gateway to answer PENDING (it waits the profile's sync-wait, 5 s, first).
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !stack.logs.some((l) => l.service === 'scep-gateway' && l.line.includes('"pkiStatus":"Pending"'))) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(stack.logs.some((l) => l.service === 'scep-gateway' && l.line.includes('"pkiStatus":"Pending"'))).toBe(true);
    await stack.startService('signer-worker');
    // scepclient resends the identical request after 30 s and now gets SUCCESS.
    const result = await client;
    expect(result.output).toMatch(/PENDING/);
    expect(result.code).toBe(0);
    expect(opensslVerify(acmeCaPem, result.certPath).ok).toBe(true);
  }, 150_000);
});

if (!available) {
  it('e2e with scepclient skipped: /usr/bin/scepclient not installed (apt-get install scep)', () => undefined);
}
