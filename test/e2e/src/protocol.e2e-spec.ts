import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FailInfo, PkiStatus, readCertsOnly } from '@scep/codec';
import { readCertificate } from '@scep/pki';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { type RaMaterial, certPoll, getCaCert, makeDevice, pkcsReq, postPkiOperation, read } from './support/test-client';

/**
 * The SCEP surface of the gateway, driven by our client encoder (for what scepclient cannot do: every cipher and
 * digest, GET encodings, tampering, concurrency, CertPoll), against all services running as real processes.
 */
describe('SCEP protocol over HTTP (real services)', () => {
  const stack = new E2eStack();
  const challenge = randomChallenge();
  let url: string;
  let slowUrl: string;
  let ra: RaMaterial;
  let slowRa: RaMaterial;

  beforeAll(async () => {
    await stack.start();
    url = (await stack.tenantProfile('acme', 'phones', challenge)).profile.scepUrl;
    slowUrl = (await stack.tenantProfile('acme', 'slow', challenge, { syncWaitMs: 300 })).profile.scepUrl;
    ra = await getCaCert(url);
    slowRa = await getCaCert(slowUrl);
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  const certificatesOf = async (subjectPart: string) =>
    (await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates?limit=500')).items.filter((c: { subject: string }) => c.subject.includes(subjectPart));

  describe('GetCACaps and GetCACert', () => {
    it('serves capabilities as exact text/plain, one keyword per line, on every path form', async () => {
      for (const suffix of ['', '/pkiclient.exe', '/cgi-bin/pkiclient.exe']) {
        const response = await fetch(`${url.replace(/\/pkiclient\.exe$/, '')}${suffix}?operation=getcacaps&message=0`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/plain');
        const caps = (await response.text()).split('\n').filter(Boolean);
        expect(caps).toEqual(['AES', 'DES3', 'POSTPKIOperation', 'Renewal', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SCEPStandard']);
      }
      const doubled = await fetch(url.replace('/scep/', '//scep/').replace('acme/', 'acme//') + '?operation=GetCACaps');
      expect(doubled.status).toBe(200);
    });

    it('returns RA first, then CA, as exact application/x-x509-ca-ra-cert; the RA is no CA and has DS+KE', async () => {
      expect(ra.contentType).toBe('application/x-x509-ca-ra-cert');
      expect(ra.ra.isCA).toBe(false);
      expect(ra.ca.isCA).toBe(true);
      expect(ra.ra.issuerDer.equals(ra.ca.subjectDer)).toBe(true);
      expect(readCertsOnly(ra.bag).certificates).toHaveLength(2);
    });
  });

  describe('HTTP-level refusals (before a CertRep can be built)', () => {
    it.each([
      ['unknown tenant', 404, (u: string) => fetch(u.replace('/acme/', '/nobody/') + '?operation=GetCACaps')],
      ['unknown profile', 404, (u: string) => fetch(u.replace('/phones/', '/nothing/') + '?operation=GetCACert')],
      ['invalid slug', 404, (u: string) => fetch(u.replace('/acme/', '/ACME%00/') + '?operation=GetCACaps')],
      ['unknown operation', 400, (u: string) => fetch(`${u}?operation=GetCAChain`)],
      ['missing operation', 400, (u: string) => fetch(u)],
      ['no next CA', 404, (u: string) => fetch(`${u}?operation=GetNextCACert`)],
      ['empty POST', 400, (u: string) => fetch(`${u}?operation=PKIOperation`, { method: 'POST', body: new Uint8Array() })],
      ['garbage POST', 400, (u: string) => fetch(`${u}?operation=PKIOperation`, { method: 'POST', body: randomBytes(500) })],
      ['JSON POST', 400, (u: string) => fetch(`${u}?operation=PKIOperation`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })],
      ['GET without message', 400, (u: string) => fetch(`${u}?operation=PKIOperation`)],
      ['GET with junk message', 400, (u: string) => fetch(`${u}?operation=PKIOperation&message=%%%not-base64`)],
      ['oversize POST', 413, (u: string) => fetch(`${u}?operation=PKIOperation`, { method: 'POST', body: randomBytes(300 * 1024) })],
    ] as const)('%s -> %i with a short text body', async (_name, status, send) => {
      const response = await send(url);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('text/plain');
      expect((await response.text()).length).toBeLessThan(100);
    });

    it('answers a truncated pkiMessage with 400 and keeps serving', async () => {
      const device = makeDevice('truncated', challenge);
      const { der } = pkcsReq(device, ra);
      for (const cut of [1, 10, Math.floor(der.length / 2), der.length - 1]) {
        expect((await postPkiOperation(url, der.subarray(0, cut))).status).toBe(400);
      }
      expect((await fetch(`${url}?operation=GetCACaps`)).status).toBe(200);
    });
  });

  describe('PKCSReq', () => {
    it.each([
      ['aes-256-cbc', 'sha256', undefined, 'aes-256-cbc'],
      ['aes-128-cbc', 'sha512', 'application/x-pki-message', 'aes-128-cbc'],
      ['aes-192-cbc', 'sha384', 'application/octet-stream', 'aes-192-cbc'],
      ['des-ede3-cbc', 'sha1', undefined, 'des-ede3-cbc'],
      ['des-cbc', 'sha1', undefined, 'des-ede3-cbc'],
    ] as const)('POST %s/%s (Content-Type %s) -> SUCCESS enveloped with %s, digest mirrored', async (cipher, digest, contentType, replyCipher) => {
      const device = makeDevice(`post-${cipher}-${digest}`, challenge);
      const request = pkcsReq(device, ra, { cipher, digest });
      const response = await postPkiOperation(url, request.der, contentType);
      expect(response.status).toBe(200);
      expect(response.contentType).toBe('application/x-pki-message');
      const reply = read(response.body, ra, device);
      expect(reply.status).toBe(PkiStatus.Success);
      expect(reply.contentCipher).toBe(replyCipher);
      expect(reply.digestAlgorithm).toBe(digest);
      expect(reply.recipientNonce.equals(request.senderNonce)).toBe(true);
      expect(reply.senderNonce.equals(request.senderNonce)).toBe(false);
      expect(reply.transactionIdEncoded.subarray(-request.transactionId.length).toString()).toBe(request.transactionId);
      const issued = readCertificate(reply.certificates[0] as Buffer);
      expect(issued.issuerDer.equals(ra.ca.subjectDer)).toBe(true);
      expect(issued.spkiDer.equals(device.certificate.spkiDer)).toBe(true);
      expect(issued.isCA).toBe(false);
      expect(issued.serialNumber.length).toBeGreaterThanOrEqual(16);
    });

    const encodings: Array<[string, (b64: string) => string]> = [
      ['percent-escaped base64 (certmonger)', (b) => encodeURIComponent(b)],
      ['%0A every 64 characters, "/" raw (sscep, Cisco)', (b) => (b.match(/.{1,64}/g) ?? []).join('\n').replace(/\+/g, '%2B').replace(/=/g, '%3D').replace(/\n/g, '%0A')],
      ['base64url (old micromdm client)', (b) => b.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
      ['raw "+" that a form decoder turns into a space (iOS)', (b) => b.replace(/=/g, '%3D')],
    ];
    it.each(encodings)('GET message= as %s -> SUCCESS', async (_name, encode) => {
      const device = makeDevice(`get-${randomBytes(3).toString('hex')}`, challenge);
      const request = pkcsReq(device, ra, { cipher: 'aes-128-cbc', digest: 'sha256' });
      const response = await fetch(`${url}?operation=PKIOperation&message=${encode(request.der.toString('base64'))}`);
      expect(response.status).toBe(200);
      expect(read(Buffer.from(await response.arrayBuffer()), ra, device).status).toBe(PkiStatus.Success);
    });

    it('refuses a wrong or missing challenge with FAILURE badRequest and issues nothing', async () => {
      for (const [cn, value] of [['wrong-challenge', `${challenge}X`], ['no-challenge', undefined]] as const) {
        const device = makeDevice(cn, value);
        const reply = read((await postPkiOperation(url, pkcsReq(device, ra).der)).body, ra, device);
        expect(reply.status).toBe(PkiStatus.Failure);
        expect(reply.failInfo).toBe(FailInfo.BadRequest);
        expect(await certificatesOf(cn)).toHaveLength(0);
      }
    });

    it('refuses a bad request signature with FAILURE badMessageCheck', async () => {
      const device = makeDevice('tampered', challenge);
      const { der } = pkcsReq(device, ra);
      // Flip a byte inside the RSA signature value: the last 256 bytes of the SignerInfo region end the message.
      const tampered = Buffer.from(der);
      tampered[tampered.length - 10] = (tampered[tampered.length - 10] as number) ^ 0xff;
      const response = await postPkiOperation(url, tampered);
      expect(response.status).toBe(200);
      const reply = read(response.body, ra, device);
      expect(reply.status).toBe(PkiStatus.Failure);
      expect(reply.failInfo).toBe(FailInfo.BadMessageCheck);
      expect(await certificatesOf('tampered')).toHaveLength(0);
    });

    it('refuses a key below the policy floor (RSA-1024) with FAILURE badRequest', async () => {
      const device = makeDevice('weak-key', challenge, 1024);
      const reply = read((await postPkiOperation(url, pkcsReq(device, ra).der)).body, ra, device);
      expect(reply.status).toBe(PkiStatus.Failure);
      expect(reply.failInfo).toBe(FailInfo.BadRequest);
    });
  });

  describe('idempotency', () => {
    it('answers a byte-identical resend and a fresh-nonce resend with the same certificate', async () => {
      const device = makeDevice('resend', challenge);
      const first = pkcsReq(device, ra);
      const a = read((await postPkiOperation(url, first.der)).body, ra, device);
      const b = read((await postPkiOperation(url, first.der)).body, ra, device);
      const c = read((await postPkiOperation(url, pkcsReq(device, ra, { transactionId: first.transactionId, cipher: 'des-ede3-cbc', digest: 'sha1' }).der)).body, ra, device);
      expect([a.status, b.status, c.status]).toEqual([PkiStatus.Success, PkiStatus.Success, PkiStatus.Success]);
      expect(b.certificates[0]?.equals(a.certificates[0] as Buffer)).toBe(true);
      expect(c.certificates[0]?.equals(a.certificates[0] as Buffer)).toBe(true);
      expect(b.senderNonce.equals(a.senderNonce)).toBe(false);
      expect(await certificatesOf('resend')).toHaveLength(1);
    });

    it('refuses another key under a used transactionID', async () => {
      const owner = makeDevice('owner', challenge);
      const first = pkcsReq(owner, ra);
      expect(read((await postPkiOperation(url, first.der)).body, ra, owner).status).toBe(PkiStatus.Success);
      const thief = makeDevice('thief', challenge);
      const reply = read((await postPkiOperation(url, pkcsReq(thief, ra, { transactionId: first.transactionId }).der)).body, ra, thief);
      expect(reply.status).toBe(PkiStatus.Failure);
      expect(reply.failInfo).toBe(FailInfo.BadRequest);
      expect(await certificatesOf('thief')).toHaveLength(0);
    });

    it('issues one certificate for eight concurrent identical requests', async () => {
      const device = makeDevice('concurrent', challenge);
      const request = pkcsReq(device, ra);
      const replies = await Promise.all(Array.from({ length: 8 }, () => postPkiOperation(url, request.der)));
      const read8 = replies.map((r) => read(r.body, ra, device));
      expect(read8.every((r) => r.status === PkiStatus.Success)).toBe(true);
      expect(new Set(read8.map((r) => r.certificates[0]?.toString('hex'))).size).toBe(1);
      expect(await certificatesOf('concurrent')).toHaveLength(1);
    });
  });

  describe('observability', () => {
    it('makes one enrollment one trace across gateway, challenge, policy and signer', async () => {
      const device = makeDevice('traced', challenge);
      const request = pkcsReq(device, ra);
      expect(read((await postPkiOperation(url, request.der)).body, ra, device).status).toBe(PkiStatus.Success);
      let services = new Set<string>();
      let traceId = '';
      for (let i = 0; i < 60 && services.size < 4; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const pkiSpan = stack.collector.spans.find((s) => s.service === 'scep-gateway' && s.attributes['scep.pki_status'] === 'Success' && stack.collector.trace(s.traceId).some((t) => t.name === 'rpc enrollment.submit' && t.service === 'policy-service'));
        if (!pkiSpan) continue;
        traceId = pkiSpan.traceId;
        services = new Set(stack.collector.trace(traceId).map((s) => s.service));
      }
      expect([...services].sort()).toEqual(['challenge-service', 'policy-service', 'scep-gateway', 'signer-worker']);
      const spans = stack.collector.trace(traceId);
      // Every span but the root has its parent in the same trace: the context really crossed each hop.
      const ids = new Set(spans.map((s) => s.spanId));
      const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
      expect(roots).toHaveLength(1);
      fs.mkdirSync(path.join(__dirname, '..', '..', '..', 'tmp'), { recursive: true });
      fs.writeFileSync(path.join(__dirname, '..', '..', '..', 'tmp', 'e2e-trace.txt'), renderTrace(spans));
    });

    it('never writes a secret into logs or spans', async () => {
      await new Promise((r) => setTimeout(r, 500));
      const haystack = [stack.logs.map((l) => l.line).join('\n'), stack.collector.rawBodies.join('\n')].join('\n');
      expect(stack.logs.length).toBeGreaterThan(20);
      for (const secret of [...stack.secretValues(), challenge]) {
        expect(haystack.includes(secret)).toBe(false);
      }
      expect(haystack).not.toMatch(/message=MI/);
    });
  });

  describe('PENDING and CertPoll (signer stopped, then started)', () => {
    afterAll(async () => {
      await stack.startService('signer-worker').catch(() => undefined);
    });

    it('answers PENDING, then SUCCESS to CertPoll once the signer is back; unknown or foreign polls get badCertId', async () => {
      await stack.stopService('signer-worker');
      const device = makeDevice('polled', challenge);
      const request = pkcsReq(device, slowRa);
      expect(read((await postPkiOperation(slowUrl, request.der)).body, slowRa, device).status).toBe(PkiStatus.Pending);
      expect(read((await postPkiOperation(slowUrl, certPoll(device, slowRa, request.transactionId).der)).body, slowRa, device).status).toBe(PkiStatus.Pending);

      const stranger = makeDevice('stranger', challenge);
      const foreign = read((await postPkiOperation(slowUrl, certPoll(stranger, slowRa, request.transactionId).der)).body, slowRa, stranger);
      expect(foreign.status).toBe(PkiStatus.Failure);
      expect(foreign.failInfo).toBe(FailInfo.BadCertId);
      const unknown = read((await postPkiOperation(slowUrl, certPoll(device, slowRa, 'NO-SUCH-TRANSACTION').der)).body, slowRa, device);
      expect(unknown.failInfo).toBe(FailInfo.BadCertId);

      await stack.startService('signer-worker');
      let reply = read((await postPkiOperation(slowUrl, certPoll(device, slowRa, request.transactionId).der)).body, slowRa, device);
      for (let i = 0; i < 40 && reply.status !== PkiStatus.Success; i++) {
        await new Promise((r) => setTimeout(r, 250));
        reply = read((await postPkiOperation(slowUrl, certPoll(device, slowRa, request.transactionId).der)).body, slowRa, device);
      }
      expect(reply.status).toBe(PkiStatus.Success);
      expect(readCertificate(reply.certificates[0] as Buffer).spkiDer.equals(device.certificate.spkiDer)).toBe(true);
      expect(await certificatesOf('polled')).toHaveLength(1);
    });
  });
});

function renderTrace(spans: Array<{ service: string; spanId: string; parentSpanId?: string; name: string; attributes: Record<string, unknown> }>): string {
  const children = new Map<string, typeof spans>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : 'root';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (id: string, depth: number) => {
    for (const span of children.get(id) ?? []) {
      const attrs = Object.entries(span.attributes)
        .filter(([k]) => k.startsWith('scep.') || k === 'http.route' || k === 'rpc.method' || k === 'db.operation.name' || k === 'messaging.operation')
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      lines.push(`${'  '.repeat(depth)}[${span.service}] ${span.name}${attrs ? `  (${attrs})` : ''}`);
      walk(span.spanId, depth + 1);
    }
  };
  walk('root', 0);
  return `${lines.join('\n')}\n`;
}
