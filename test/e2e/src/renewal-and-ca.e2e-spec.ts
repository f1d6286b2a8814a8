import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { FailInfo, MessageType, PkiStatus, readCertsOnly } from '@scep/codec';
import { derToPem, readCertificate } from '@scep/pki';
import { E2E_PROFILE_POLICY, E2eStack, randomChallenge } from './support/e2e-stack';
import { opensslVerify, runScepclient, scepclientAvailable } from './support/scepclient';
import { type HeldCertificate, type RaMaterial, getCaCert, held, issuerAndSerialRequest, makeDevice, pkcsReq, postPkiOperation, read } from './support/test-client';
import { scratchDir } from './support/scratch-dir';

const tmp = scratchDir('renewal-e2e-');
function openssl(args: string[], input?: Buffer): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { cwd: tmp, input });
  return { ok: r.status === 0, out: `${r.stdout.toString()}${r.stderr.toString()}` };
}

/**
 * RFC 8894 beyond first enrollment, against the real services: renewal (classified by the signer certificate),
 * GetCert, GetCRL and the CRL distribution point, GetNextCACert and a CA rollover.
 */
describe('renewal, GetCert, GetCRL and CA rollover (real services)', () => {
  const stack = new E2eStack();
  const challenge = randomChallenge();
  let url: string;
  let ra: RaMaterial;

  beforeAll(async () => {
    await stack.start();
    url = (await stack.tenantProfile('acme', 'laptops', challenge)).profile.scepUrl;
    ra = await getCaCert(url);
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  /** Enrolls a fresh device with the challenge; returns what it now holds. */
  async function enroll(cn: string, target: RaMaterial = ra, scepUrl = url): Promise<HeldCertificate & { csrKey: string }> {
    const device = makeDevice(cn, challenge);
    const reply = read((await postPkiOperation(scepUrl, pkcsReq(device, target).der)).body, target, device);
    expect(reply.status).toBe(PkiStatus.Success);
    return { ...held(reply.certificates[0] as Buffer, device.key), csrKey: cn };
  }

  /** A request for a new certificate (new key, same subject) signed by a certificate the device holds. */
  function renewal(oldCert: HeldCertificate, cn: string, messageType = MessageType.RenewalReq, target = ra) {
    const fresh = makeDevice(cn, undefined);
    const request = pkcsReq(fresh, target, { messageType, signer: oldCert });
    return { request, fresh };
  }

  const sql = async (text: string, params: unknown[]) => {
    const client = new Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows;
    } finally {
      await client.end();
    }
  };

  describe('renewal', () => {
    it('advertises Renewal', async () => {
      expect((await (await fetch(`${url}?operation=GetCACaps`)).text()).split('\n')).toContain('Renewal');
    });

    it.each([
      ['RenewalReq', MessageType.RenewalReq],
      ['PKCSReq signed by the old certificate (sscep, certmonger, macOS)', MessageType.PKCSReq],
    ])('renews with a new key and no challenge: %s', async (_name, messageType) => {
      const old = await enroll(`renew-${messageType}`);
      const { request, fresh } = renewal(old, `renew-${messageType}`, messageType);
      // The reply is enveloped to the signer of the request: the old certificate.
      const reply = read((await postPkiOperation(url, request.der)).body, ra, fresh, old.key);
      expect(reply.status).toBe(PkiStatus.Success);
      const renewed = readCertificate(reply.certificates[0] as Buffer);
      expect(renewed.spkiDer.equals(fresh.certificate.spkiDer)).toBe(true);
      expect(renewed.serialHex).not.toBe(old.certificate.serialHex);
      expect(renewed.subjectDer.equals(old.certificate.subjectDer)).toBe(true);
    });

    it('refuses a RenewalReq signed by a self-signed certificate (badRequest) or by another CA\'s certificate (badCertId)', async () => {
      const device = makeDevice('self-renewal', challenge);
      const selfSigned = read((await postPkiOperation(url, pkcsReq(device, ra, { messageType: MessageType.RenewalReq }).der)).body, ra, device);
      expect(selfSigned).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadRequest });

      const otherUrl = (await stack.tenantProfile('globex', 'routers', challenge)).profile.scepUrl;
      const otherRa = await getCaCert(otherUrl);
      const foreign = await enroll('foreign-device', otherRa, otherUrl);
      const { request, fresh } = renewal(foreign, 'foreign-device');
      const reply = read((await postPkiOperation(url, request.der)).body, ra, fresh, foreign.key);
      expect(reply).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadCertId });
    });

    it('refuses a renewal by a revoked certificate (badCertId)', async () => {
      const old = await enroll('revoked-device');
      await sql(`UPDATE issuance.certificates SET revoked_at = now(), revocation_reason = 1 WHERE serial_hex = $1`, [old.certificate.serialHex]);
      const { request, fresh } = renewal(old, 'revoked-device');
      expect(read((await postPkiOperation(url, request.der)).body, ra, fresh, old.key)).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadCertId });
    });

    it('lets the profile decide how early: a renewal window set through the admin API', async () => {
      const old = await enroll('window-device');
      const before = (await stack.admin.expectOk('GET', '/v1/tenants/acme/profiles/laptops/policy')).version;
      const set = await stack.admin.expectOk('PUT', '/v1/tenants/acme/profiles/laptops/policy', { ...E2E_PROFILE_POLICY, renewal: { ...E2E_PROFILE_POLICY.renewal, earliestDaysBeforeExpiry: 30 } });
      expect(set).toMatchObject({ version: before + 1, rules: { renewal: { allowed: true, earliestDaysBeforeExpiry: 30 } } });
      try {
        // The rules travel to the policy service's cache by an event: poll (bounded) until the window is applied, and
        // accept only a refusal by the window rule itself as the answer.
        const deadline = Date.now() + 10_000;
        for (;;) {
          const { request, fresh } = renewal(old, 'window-device');
          const reply = read((await postPkiOperation(url, request.der)).body, ra, fresh, old.key);
          if (reply.status === PkiStatus.Failure) {
            expect(reply.failInfo).toBe(FailInfo.BadRequest);
            expect(stack.pkiOperations(request.transactionId).at(-1)?.reason).toMatch(/^renewal-window: too early/);
            break;
          }
          if (Date.now() > deadline) throw new Error('renewal window never applied');
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await stack.admin.expectOk('PUT', '/v1/tenants/acme/profiles/laptops/policy', E2E_PROFILE_POLICY);
      }
      expect((await stack.admin.expectOk('GET', '/v1/tenants/acme/profiles/laptops/policy')).version).toBe(before + 2);
    });

    (scepclientAvailable() ? it : it.skip)('renews with micromdm scepclient (RenewalReq, same key, same transactionID) and gets a new certificate', async () => {
      const dir = scratchDir('scepclient-renew-');
      const first = await runScepclient({ url, challenge, cn: 'scepclient-renew', dir });
      expect(first.code).toBe(0);
      const firstCert = fs.readFileSync(first.certPath, 'utf8');
      const second = await runScepclient({ url, challenge, cn: 'scepclient-renew', dir });
      expect(second.output).not.toMatch(/failInfo/);
      expect(second.code).toBe(0);
      const secondCert = fs.readFileSync(second.certPath, 'utf8');
      expect(secondCert).not.toBe(firstCert);
      const caPem = derToPem(ra.ca.der, 'CERTIFICATE');
      expect(opensslVerify(caPem, second.certPath).ok).toBe(true);
      const listed = await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates?limit=500');
      expect(listed.items.filter((c: { subject: string }) => c.subject.includes('scepclient-renew'))).toHaveLength(2);
    });
  });

  describe('GetCert and GetCRL', () => {
    it('returns a certificate to a holder of a certificate with the same subject; refuses other subjects and unknown serials', async () => {
      const mine = await enroll('getcert-device');
      const other = await enroll('someone-else');
      const ask = async (serial: Buffer) => {
        const request = issuerAndSerialRequest(MessageType.GetCert, mine, ra, ra.ca.subjectDer, serial);
        return read((await postPkiOperation(url, request.der)).body, ra, mine as never, mine.key);
      };
      const found = await ask(mine.certificate.serialNumber);
      expect(found.status).toBe(PkiStatus.Success);
      expect(found.certificates[0]?.equals(mine.certificate.der)).toBe(true);
      expect(await ask(other.certificate.serialNumber)).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadRequest });
      expect(await ask(Buffer.from('7f00000000000000000000000000abcd', 'hex'))).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadCertId });
    });

    it('returns the CA\'s current CRL, the same one the distribution point in issued certificates serves', async () => {
      const mine = await enroll('crl-device');
      await sql(`UPDATE issuance.certificates SET revoked_at = now() WHERE serial_hex = $1`, [(await enroll('crl-revoked')).certificate.serialHex]);
      const request = issuerAndSerialRequest(MessageType.GetCRL, mine, ra, ra.ca.subjectDer, ra.ca.serialNumber);
      const reply = read((await postPkiOperation(url, request.der)).body, ra, mine as never, mine.key);
      expect(reply.status).toBe(PkiStatus.Success);
      const crl = reply.crls[0] as Buffer;
      fs.writeFileSync(path.join(tmp, 'ca.pem'), derToPem(ra.ca.der, 'CERTIFICATE'));
      const text = openssl(['crl', '-inform', 'DER', '-CAfile', 'ca.pem', '-noout', '-text'], crl).out;
      expect(text).toContain('verify OK');

      const cdp = /URI:(http\S+\.crl)/.exec(openssl(['x509', '-inform', 'DER', '-noout', '-text'], mine.certificate.der).out)?.[1];
      expect(cdp).toBe(`${stack.gatewayUrl}/crl/${(await stack.admin.expectOk('GET', '/v1/tenants/acme')).id}/${(await stack.admin.expectOk('GET', '/v1/tenants/acme/cas')).items[0].id}.crl`);
      const served = await fetch(cdp as string);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('application/pkix-crl');
      const servedDer = Buffer.from(await served.arrayBuffer());
      expect(openssl(['crl', '-inform', 'DER', '-CAfile', 'ca.pem', '-noout'], servedDer).out).toContain('verify OK');
      expect((await fetch(`${stack.gatewayUrl}/crl/not-a-tenant/x.crl`)).status).toBe(404);
    });
  });

  describe('CA rollover with GetNextCACert', () => {
    it('announces the next CA signed by the current RA, issues from it for requests to its RA, switches on time, and still renews old certificates', async () => {
      const oldHolder = await enroll('rollover-old-device');
      const nextCa = await stack.admin.expectOk('POST', '/v1/tenants/acme/cas', { name: 'acme-ca-2', subject: 'CN=acme Device CA 2,O=acme' });
      const switchAt = new Date(Date.now() + 8000);
      const rolled = await stack.admin.expectOk('POST', '/v1/tenants/acme/profiles/laptops/rollover', { caId: nextCa.id, switchAt: switchAt.toISOString() });
      expect(rolled).toMatchObject({ nextCaId: nextCa.id });

      // Before the switch: GetCACaps announces it, GetNextCACert carries next RA + next CA, signed by the current RA.
      let caps = '';
      for (let i = 0; i < 40 && !caps.includes('GetNextCACert'); i++) {
        caps = await (await fetch(`${url}?operation=GetCACaps`)).text();
        if (!caps.includes('GetNextCACert')) await new Promise((r) => setTimeout(r, 100));
      }
      expect(caps.split('\n')).toContain('GetNextCACert');
      const next = await fetch(`${url}?operation=GetNextCACert`);
      expect(next.headers.get('content-type')).toBe('application/x-x509-next-ca-cert');
      const nextDer = Buffer.from(await next.arrayBuffer());
      fs.writeFileSync(path.join(tmp, 'current-ra.pem'), derToPem(ra.ra.der, 'CERTIFICATE'));
      const inner = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-certfile', 'current-ra.pem', '-noverify', '-binary'], { cwd: tmp, input: nextDer });
      expect(inner.status).toBe(0);
      const [nextRaDer, nextCaDer] = readCertsOnly(inner.stdout).certificates;
      const nextRa: RaMaterial = { ra: readCertificate(nextRaDer as Buffer), ca: readCertificate(nextCaDer as Buffer), bag: Buffer.alloc(0), contentType: null };
      expect(nextRa.ca.der.equals(Buffer.from(nextCa.certificatePem.split('\n').filter((l: string) => !l.startsWith('-----')).join(''), 'base64'))).toBe(true);

      // A device that already encrypts to the next RA gets a certificate from the next CA.
      const early = await enroll('rollover-early-adopter', nextRa);
      expect(early.certificate.issuerDer.equals(nextRa.ca.subjectDer)).toBe(true);

      // After the switch: GetCACert serves the new pair, new enrollments come from the new CA...
      await new Promise((r) => setTimeout(r, Math.max(0, switchAt.getTime() - Date.now() + 200)));
      const after = await getCaCert(url);
      expect(after.ca.der.equals(nextRa.ca.der)).toBe(true);
      expect((await (await fetch(`${url}?operation=GetCACaps`)).text()).split('\n')).not.toContain('GetNextCACert');
      const fresh = await enroll('rollover-after-switch', after);
      expect(fresh.certificate.issuerDer.equals(after.ca.subjectDer)).toBe(true);
      // ...and a certificate of the old CA still renews through the old, retired RA — which also signs the reply,
      // since that is the RA this client knows — now issued by the new CA.
      const { request, fresh: renewedKey } = renewal(oldHolder, 'rollover-old-device', MessageType.RenewalReq, ra);
      const reply = read((await postPkiOperation(url, request.der)).body, ra, renewedKey, oldHolder.key);
      expect(reply.status).toBe(PkiStatus.Success);
      expect(readCertificate(reply.certificates[0] as Buffer).issuerDer.equals(after.ca.subjectDer)).toBe(true);
    });
  });
});
