// Interop: micromdm's real `scepclient` (Debian `scep` 2.1.0, Go pkcs7) enrolls against a loopback server built
// only from this codec. Proves our CertRep is read by an independent decoder (signature over the signedAttrs,
// EnvelopedData with [0] IMPLICIT content, 3DES reply to a single-DES request, issued certificate first).
// Skipped when scepclient or openssl is not installed. Loopback only, bounded in time, child killed by PID.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { derToPem, pemBlocks, readCertificate } from '@scep/pki';
import { buildCertRep } from './cert-rep';
import { buildCertsOnly } from './certs-only';
import { ContentTypes, FailInfo, PkiStatus } from './constants';
import type { ContentCipher } from './constants';
import { openEnvelope } from './envelope';
import { decodeGetMessageParam } from './get-message';
import { parsePkiMessage, verifyPkiMessage } from './pki-message';
import { FIXTURES, openssl, opensslAvailable, scratch, testPki } from './test-support/fixtures';

const SCEPCLIENT = '/usr/bin/scepclient';
const available = opensslAvailable && existsSync(SCEPCLIENT) && spawnSync(SCEPCLIENT, ['-version']).status === 0;
const pki = testPki();

interface Seen {
  operation: string;
  method: string;
  cipher?: ContentCipher;
  digest?: string;
  status?: PkiStatus;
}

/** A minimal SCEP server: GetCACaps, GetCACert (RA + CA bag), PKIOperation issuing with `openssl x509 -req`. */
async function withServer(caps: string, decide: (challenge: string | undefined) => PkiStatus, run: (url: string, seen: Seen[]) => Promise<void>) {
  const seen: Seen[] = [];
  const tmp = scratch();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const rawQuery = req.url!.includes('?') ? req.url!.slice(req.url!.indexOf('?') + 1) : '';
        const operation = /(?:^|&)operation=([^&]*)/.exec(rawQuery)?.[1] ?? '';
        const entry: Seen = { operation, method: req.method! };
        seen.push(entry);
        if (operation === 'GetCACaps') {
          res.writeHead(200, { 'Content-Type': ContentTypes.caps }).end(caps);
          return;
        }
        if (operation === 'GetCACert') {
          const bag = buildCertsOnly([pki.ra.der, pki.ca.der]);
          res.writeHead(200, { 'Content-Type': ContentTypes.caRaCert, 'Content-Length': bag.length }).end(bag);
          return;
        }
        const body = req.method === 'POST' ? Buffer.concat(chunks) : decodeGetMessageParam(rawQuery);
        const msg = parsePkiMessage(body!);
        const signer = verifyPkiMessage(msg);
        const opened = openEnvelope(msg.content!, [{ certificate: pki.ra, privateKey: pki.raKey }]);
        entry.cipher = opened.contentCipher;
        entry.digest = msg.digestAlgorithm;
        const csrFile = tmp.write('csr.der', opened.content);
        const challenge = /challengePassword\s*:(.*)/.exec(openssl(['req', '-inform', 'DER', '-in', csrFile, '-noout', '-text']).toString())?.[1]?.trim();
        const status = decide(challenge);
        entry.status = status;
        const common = {
          transactionIdEncoded: msg.transactionIdEncoded,
          recipientNonce: msg.senderNonce,
          digestAlgorithm: msg.digestAlgorithm,
          signer: { certificate: pki.ra, privateKey: pki.raKey },
          extraCertificates: [pki.ca.der],
        };
        let reply: Buffer;
        if (status === PkiStatus.Success) {
          const pem = openssl(['x509', '-req', '-inform', 'DER', '-in', csrFile, '-CA', `${FIXTURES}/ca.crt.pem`, '-CAkey', `${FIXTURES}/ca.key.pem`,
            '-set_serial', '0x42', '-days', '30', '-sha256']).toString();
          reply = buildCertRep({ ...common, status, success: { certificates: pemBlocks(pem, 'CERTIFICATE'), recipient: signer, contentCipher: opened.contentCipher } });
        } else {
          reply = buildCertRep({ ...common, status: PkiStatus.Failure, failInfo: FailInfo.BadRequest, failInfoText: 'Request rejected' });
        }
        res.writeHead(200, { 'Content-Type': ContentTypes.pkiMessage, 'Content-Length': reply.length }).end(reply);
      } catch (e) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`bad request: ${(e as Error).message}`);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/scep`, seen);
  } finally {
    server.close();
    tmp.cleanup();
  }
}

/** Runs scepclient in `dir`, killing it (by PID) after `timeoutMs`. */
async function runScepclient(dir: string, url: string, challenge: string, timeoutMs = 20_000): Promise<{ code: number | null; log: string }> {
  const child = spawn(SCEPCLIENT, ['-server-url', url, '-challenge', challenge, '-private-key', join(dir, 'key.pem'), '-keySize', '2048', '-cn', 'interop-device'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), timeoutMs);
  // 'close', not 'exit': 'exit' can come before the last stdout chunk is read (the failInfo line went missing under load).
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, log };
}

(available ? describe : describe.skip)('micromdm scepclient 2.1.0 against the codec', () => {
  jest.setTimeout(60_000);

  it.each([
    ['POST', 'POSTPKIOperation\nSHA-256\nAES\nDES3\n'],
    ['GET (base64url message)', 'SHA-256\nAES\nDES3\n'],
  ])('enrolls over %s and writes the issued certificate', async (_, caps) => {
    const dir = scratch();
    try {
      await withServer(caps, (challenge) => (challenge === 'good-challenge' ? PkiStatus.Success : PkiStatus.Failure), async (url, seen) => {
        const { code, log } = await runScepclient(dir.dir, url, 'good-challenge');
        const op = seen.find((s) => s.operation === 'PKIOperation');
        expect(op).toMatchObject({ cipher: 'des-cbc', digest: 'sha1', status: PkiStatus.Success });
        expect({ code, log }).toMatchObject({ code: 0 });
        // scepclient stores the certificate it took from our bag (certs[0]) next to its key.
        const pemFile = readdirSync(dir.dir).find((f) => f.endsWith('.pem') && f !== 'key.pem');
        expect(pemFile).toBeDefined();
        const cert = readCertificate(pemBlocks(readFileSync(join(dir.dir, pemFile!), 'utf8'), 'CERTIFICATE')[0]);
        expect(cert.subject).toContain('CN=interop-device');
        expect(cert.issuerDer).toEqual(pki.ca.subjectDer);
        expect(cert.serialHex).toBe('42');
        // The issued certificate chains to the CA for openssl too.
        const certFile = dir.write('issued.pem', derToPem(cert.der, 'CERTIFICATE'));
        expect(openssl(['verify', '-CAfile', `${FIXTURES}/ca.crt.pem`, certFile]).toString()).toContain('OK');
      });
    } finally {
      dir.cleanup();
    }
  });

  it('reads a signed FAILURE (bad challenge) and gives up with an error', async () => {
    const dir = scratch();
    try {
      await withServer('POSTPKIOperation\nSHA-256\nAES\n', () => PkiStatus.Failure, async (url, seen) => {
        const { code, log } = await runScepclient(dir.dir, url, 'wrong');
        expect(seen.find((s) => s.operation === 'PKIOperation')?.status).toBe(PkiStatus.Failure);
        expect(code).not.toBe(0);
        // Go's client verified our signature and reports the failInfo (badRequest), not a parse error.
        expect(log).toContain('failInfo: badRequest (2)');
      });
    } finally {
      dir.cleanup();
    }
  });
});
