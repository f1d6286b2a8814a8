import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { bagToPem, runScepclient, scepclientAvailable } from './support/scepclient';
import { scratchDir } from './support/scratch-dir';

const available = scepclientAvailable();
const describeIfClient = available ? describe : describe.skip;

const dir = scratchDir('revocation-e2e-');
function openssl(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** Polls `check` until it returns a value or `ms` pass (no fixed sleeps before a negative assertion). */
async function within<T>(ms: number, check: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The revocation story end to end against the real services: a device enrolls with micromdm's scepclient, an operator
 * revokes its certificate through the admin API, the CRL at the distribution point lists it (openssl crl -verify,
 * openssl verify -crl_check refuses the certificate), `openssl ocsp` against the URL in the certificate says revoked
 * (good for another, unknown for a made-up serial, nonce echoed), and a renewal signed by it is refused.
 */
describeIfClient('revocation, CRL and OCSP with real clients (scepclient, openssl)', () => {
  const stack = new E2eStack();
  const challenge = randomChallenge();
  let url: string;
  let tenantId: string;
  let caId: string;
  let ocspUrl: string;
  const revokedDir = scratchDir('scepclient-revoked-');
  const goodDir = scratchDir('scepclient-good-');
  let revokedSerial: string;
  let goodSerial: string;

  const serialOf = (certPath: string) => openssl(['x509', '-in', certPath, '-noout', '-serial']).out.trim().replace(/^serial=/, '');
  /** `openssl ocsp` as a relying party runs it: to the URL in the certificate, checking the response against the CA. */
  const ocsp = (args: string[]) => openssl(['ocsp', '-issuer', 'ca.pem', '-CAfile', 'ca.pem', '-url', ocspUrl, '-timeout', '20', '-resp_text', ...args]);
  const fetchCrl = async () => {
    const response = await fetch(`${stack.gatewayUrl}/crl/${tenantId}/${caId}.crl`);
    const der = Buffer.from(await response.arrayBuffer());
    fs.writeFileSync(path.join(dir, 'current.crl'), der);
    openssl(['crl', '-inform', 'DER', '-in', 'current.crl', '-out', 'current-crl.pem']);
    return { response, text: openssl(['crl', '-inform', 'DER', '-in', 'current.crl', '-CAfile', 'ca.pem', '-noout', '-text']).out };
  };

  beforeAll(async () => {
    await stack.start();
    const acme = await stack.tenantProfile('acme', 'laptops', challenge);
    url = acme.profile.scepUrl;
    caId = acme.ca.id;
    tenantId = (await stack.admin.expectOk('GET', '/v1/tenants/acme')).id;
    // The CA as devices see it (GetCACert: RA first, then CA).
    const bag = Buffer.from(await (await fetch(`${url}?operation=GetCACert`)).arrayBuffer());
    const caPem = bagToPem(bag).split(/(?=-----BEGIN CERTIFICATE-----)/).find((pem) => pem.includes(acme.ca.certificatePem.trim().split('\n')[1] as string)) as string;
    fs.writeFileSync(path.join(dir, 'ca.pem'), caPem);
    for (const [cn, target] of [['laptop-to-revoke', revokedDir], ['laptop-good', goodDir]] as const) {
      const result = await runScepclient({ url, challenge, cn, dir: target, timeoutMs: 120_000 });
      expect(result.code).toBe(0);
    }
    fs.copyFileSync(path.join(revokedDir, 'client.crt'), path.join(dir, 'revoked.pem'));
    fs.copyFileSync(path.join(goodDir, 'client.crt'), path.join(dir, 'good.pem'));
    revokedSerial = serialOf('revoked.pem');
    goodSerial = serialOf('good.pem');
  }, 300_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it('issues certificates that name the OCSP responder (authorityInfoAccess) and the CRL distribution point', () => {
    ocspUrl = openssl(['x509', '-in', 'revoked.pem', '-noout', '-ocsp_uri']).out.trim();
    expect(ocspUrl).toBe(`${stack.gatewayUrl}/ocsp/${tenantId}/${caId}`);
    expect(openssl(['x509', '-in', 'revoked.pem', '-noout', '-text']).out).toContain(`URI:${stack.gatewayUrl}/crl/${tenantId}/${caId}.crl`);
    // Before: good, answered and cached without a nonce; the CRL does not list it and verify -crl_check accepts it.
    const before = ocsp(['-no_nonce', '-cert', 'revoked.pem']);
    expect(before.out).toContain('Response verify OK');
    expect(before.out).toContain('revoked.pem: good');
  });

  it('refuses bad revocation requests: 400 naming the field, 404 for an unknown serial or another tenant', async () => {
    expect(await stack.admin.call('POST', `/v1/tenants/acme/certificates/${revokedSerial}/revoke`, { reason: 'becauseISaySo' })).toMatchObject({ status: 400 });
    expect(await stack.admin.call('POST', `/v1/tenants/acme/certificates/not-hex/revoke`, { reason: 'keyCompromise' })).toMatchObject({ status: 400, body: { field: 'serialNumber' } });
    expect(await stack.admin.call('POST', '/v1/tenants/acme/certificates/7F0000000000000000000000000000AB/revoke', { reason: 'keyCompromise' })).toMatchObject({
      status: 404,
      body: { field: 'serialNumber' },
    });
    await stack.tenantProfile('globex', 'routers', randomChallenge());
    expect(await stack.admin.call('POST', `/v1/tenants/globex/certificates/${revokedSerial}/revoke`, { reason: 'keyCompromise' })).toMatchObject({ status: 404 });
  });

  it('revokes through the admin API; the CRL lists it at once and openssl verify -crl_check refuses the certificate', async () => {
    const answer = await stack.admin.call('POST', `/v1/tenants/acme/certificates/${revokedSerial}/revoke`, { reason: 'keyCompromise', comment: 'laptop stolen' });
    expect(answer).toMatchObject({ status: 200, body: { revoked: 1, certificates: [{ serialNumber: revokedSerial, reason: 'keyCompromise', changed: true }] } });
    const revokedAt = Date.now();
    // The distribution point serves the new CRL within seconds (its process cache is two seconds).
    const crl = await within(5_000, async () => {
      const fetched = await fetchCrl();
      return fetched.text.includes(`Serial Number: ${revokedSerial}`) ? fetched : undefined;
    });
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    expect(crl?.text).toContain('verify OK');
    expect(crl?.text).toContain('Key Compromise');
    expect(crl?.response.headers.get('content-type')).toBe('application/pkix-crl');
    const nextUpdate = Date.parse(`${/Next Update: (.+ GMT)/.exec(crl?.text ?? '')?.[1]}`);
    expect(Date.parse(crl?.response.headers.get('expires') ?? '')).toBe(nextUpdate);
    const maxAge = Number(/max-age=(\d+)/.exec(crl?.response.headers.get('cache-control') ?? '')?.[1]);
    expect(Math.abs(Date.now() / 1000 + maxAge - nextUpdate / 1000)).toBeLessThan(5);

    const refused = openssl(['verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'current-crl.pem', 'revoked.pem']);
    expect(refused.ok).toBe(false);
    expect(refused.out).toContain('certificate revoked');
    const accepted = openssl(['verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'current-crl.pem', 'good.pem']);
    expect(accepted.out).toContain('good.pem: OK');
    // Who and why are recorded with it.
    expect(await stack.admin.expectOk('GET', `/v1/tenants/acme/certificates/${revokedSerial}`)).toMatchObject({
      revoked: true,
      revocation: { reason: 'keyCompromise', comment: 'laptop stolen', revokedBy: expect.stringMatching(/^api-key:[0-9a-f]{16}$/) },
    });
  });

  it('openssl ocsp says revoked (time and reason), good for another certificate, unknown for a made-up serial, and echoes the nonce', () => {
    const result = ocsp(['-cert', 'revoked.pem', '-cert', 'good.pem', '-serial', '0x7F0000000000000000000000000000AB']);
    expect(result.out).toContain('Response verify OK');
    expect(result.out).not.toMatch(/WARNING: no nonce|Nonce Verify error/);
    expect(result.out).toContain('OCSP Nonce');
    expect(result.out).toMatch(/revoked\.pem: revoked\n\s+This Update: .+\n\s+Next Update: .+\n\s+Reason: keyCompromise\n\s+Revocation Time: /);
    expect(result.out).toContain('good.pem: good');
    expect(result.out).toContain('0x7F0000000000000000000000000000AB: unknown');
  });

  it('drops the cached answer without a nonce within seconds of the revocation, and answers GET requests (RFC 6960 A.1)', async () => {
    const cached = await within(5_000, async () => {
      const result = ocsp(['-no_nonce', '-cert', 'revoked.pem']);
      return result.out.includes('revoked.pem: revoked') ? result : undefined;
    });
    expect(cached?.out).toContain('Response verify OK');
    const made = openssl(['ocsp', '-issuer', 'ca.pem', '-cert', 'revoked.pem', '-no_nonce', '-reqout', 'get.req']);
    expect(made.ok).toBe(true);
    const response = await fetch(`${ocspUrl}/${encodeURIComponent(fs.readFileSync(path.join(dir, 'get.req')).toString('base64'))}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/ocsp-response');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+, no-transform, must-revalidate$/);
    fs.writeFileSync(path.join(dir, 'get.resp'), Buffer.from(await response.arrayBuffer()));
    const checked = openssl(['ocsp', '-no_nonce', '-reqin', 'get.req', '-respin', 'get.resp', '-CAfile', 'ca.pem', '-resp_text']);
    expect(checked.out).toContain('Response verify OK');
    expect(checked.out).toMatch(/Cert Status: revoked/);
  });

  it('refuses a renewal signed by the revoked certificate (scepclient renews from the same directory)', async () => {
    const renewal = await runScepclient({ url, challenge, cn: 'laptop-to-revoke', dir: revokedDir, timeoutMs: 120_000 });
    expect(renewal.code).not.toBe(0);
    expect(renewal.output).toMatch(/RenewalReq .* failInfo: badCertID/);
    expect(stack.pkiOperations().some((op) => op.reason?.includes('renewal-not-revoked'))).toBe(true);
  });

  it('puts a certificate on hold and releases it: OCSP and the CRL follow both', async () => {
    expect(await stack.admin.call('POST', `/v1/tenants/acme/certificates/${goodSerial}/revoke`, { reason: 'certificateHold' })).toMatchObject({ status: 200 });
    const held = ocsp(['-cert', 'good.pem']);
    expect(held.out).toMatch(/good\.pem: revoked[\s\S]*Reason: certificateHold/);
    expect(await stack.admin.call('POST', `/v1/tenants/acme/certificates/${goodSerial}/release-hold`, {})).toMatchObject({ status: 200, body: { revoked: false } });
    expect(ocsp(['-cert', 'good.pem']).out).toContain('good.pem: good');
    const crl = await within(5_000, async () => {
      const fetched = await fetchCrl();
      return fetched.text.includes(revokedSerial) && !fetched.text.includes(goodSerial) ? fetched : undefined;
    });
    expect(crl).toBeDefined();
    // Any other revocation cannot be undone.
    expect(await stack.admin.call('POST', `/v1/tenants/acme/certificates/${revokedSerial}/release-hold`, {})).toMatchObject({ status: 409, body: { field: 'serialNumber' } });
  });

  it('logs who revoked, and no secret anywhere in logs or spans', async () => {
    expect(stack.logs.some((l) => l.service === 'signer-worker' && l.line.includes('"msg":"certificates revoked"') && l.line.includes('"actor":"api-key:'))).toBe(true);
    const haystack = [stack.logs.map((l) => l.line).join('\n'), stack.collector.rawBodies.join('\n')].join('\n');
    for (const secret of [...stack.secretValues(), challenge]) expect(haystack.includes(secret)).toBe(false);
  });
});

if (!available) {
  it('e2e with scepclient skipped: /usr/bin/scepclient not installed (apt-get install scep)', () => undefined);
}
