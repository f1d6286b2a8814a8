import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { certmongerAvailable, certmongerStatus, certmongerWaitFor, runCertmonger, tempDir, waitForFile } from './support/real-clients';
import { opensslText, opensslVerify } from './support/scepclient';

/**
 * certmonger 0.79.17 (Debian certmonger): the certmonger-session daemon on a private D-Bus session bus, driven with
 * getcert; it builds the SCEP messages itself and hands them to its scep-submit helper. What it does
 * (test/fixtures/scep/README.md, certmonger-0.79.17): GetCACaps + GetCACert (message=0) when a CA is added and before
 * each submission, PKIOperation always as GET, AES-256 for `AES`, SHA-256, rsaEncryption signatures; after PENDING it
 * re-polls on its own schedule (a week) or on `getcert refresh`, with a regenerated PKCSReq (same transactionID);
 * renewal (resubmit / rekey) is a PKCSReq signed by the current certificate, used only when `Renewal` is advertised.
 */
const available = certmongerAvailable();
const describeIfClient = available ? describe : describe.skip;

describeIfClient('interop with certmonger', () => {
  const stack = new E2eStack();
  const challenge = randomChallenge();
  const dir = tempDir('certmonger-e2e-');
  const home = path.join(dir, 'home');
  let url: string;
  let caPem: string;

  const gatewayLines = () => stack.logs.filter((l) => l.service === 'scep-gateway').map((l) => l.line);
  const postCount = () => gatewayLines().filter((l) => l.includes('"method":"POST"')).length;
  const file = (name: string) => path.join(dir, name);
  const ca = 'acme';
  const request = (id: string, cn: string, pin = challenge) =>
    `getcert request -s -c ${ca} -k ${file(`${id}.key`)} -f ${file(`${id}.crt`)} -N 'CN=${cn},O=Acme' -L '${pin}' -I ${id}`;

  beforeAll(async () => {
    await stack.start();
    const created = await stack.tenantProfile('acme', 'servers', challenge);
    url = created.profile.scepUrl;
    caPem = created.ca.certificatePem;
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('GetCACaps + GetCACert (getcert add-scep-ca): keeps our capabilities and picks the CA of the bag', async () => {
    const result = await runCertmonger(home, [
      `getcert add-scep-ca -s -c ${ca} -u '${url}'`,
      `for i in $(seq 1 40); do getcert list-cas -s -c ${ca} | grep -q 'SCEP CA certificate thumbprint (SHA1)' && break; sleep 0.25; done`,
      `getcert list-cas -s -c ${ca}`,
    ]);
    expect(result.timedOut).toBe(false);
    const sha1 = new X509Certificate(caPem).fingerprint.replace(/:/g, '');
    const shown = /SCEP CA certificate thumbprint \(SHA1\): ([0-9A-F ]+)/.exec(result.output)?.[1]?.replace(/\s/g, '');
    expect(shown).toBe(sha1);
    const stored = fs.readdirSync(path.join(home, '.config/certmonger/cas')).map((f) => fs.readFileSync(path.join(home, '.config/certmonger/cas', f), 'utf8')).join('\n');
    expect(/ca_capabilities=(.*)/.exec(stored.split('\n').filter((l) => l.startsWith('ca_capabilities=') && l.includes('SCEPStandard'))[0] ?? '')?.[1]?.split(',')).toEqual(
      expect.arrayContaining(['AES', 'DES3', 'POSTPKIOperation', 'SHA-1', 'SHA-256', 'SHA-512', 'SCEPStandard']),
    );
  });

  it('enrolls over GET (AES-256, SHA-256): MONITORING, and the certificate chains to the CA of GetCACert', async () => {
    const posts = postCount();
    const result = await runCertmonger(home, [`${request('enroll', 'server-1')} -w`, 'getcert list -s -i enroll']);
    expect({ status: certmongerStatus(result.output), timedOut: result.timedOut }).toEqual({ status: 'MONITORING', timedOut: false });
    expect(result.output).toContain('Server supports AES, using AES256');
    expect(opensslVerify(caPem, file('enroll.crt')).output).toContain(': OK');
    expect(opensslText(file('enroll.crt'))).toContain('CN = server-1');
    expect(postCount()).toBe(posts); // certmonger never POSTs, even with POSTPKIOperation advertised
    expect(stack.pkiOperations().at(-1)).toMatchObject({ messageType: 19, pkiStatus: 'Success' });
    expect(stack.pkiOperations().at(-1)!.transactionId).toMatch(/^\d{70,78}$/); // decimal SHA-256 of the key
  });

  // Regression: our FAILURE and PENDING CertReps had no eContent, which OpenSSL's PKCS7_verify (scep-submit) refuses
  // ("PKCS7 routines::no content"): certmonger showed CA_UNREACHABLE and retried instead of CA_REJECTED / polling.
  it('reads a FAILURE for a wrong challenge: CA_REJECTED, nothing written', async () => {
    const result = await runCertmonger(home, [request('intruder', 'intruder', `${challenge}x`), certmongerWaitFor('intruder', 'CA_REJECTED|CA_UNREACHABLE|MONITORING', 30)]);
    expect(certmongerStatus(result.output)).toBe('CA_REJECTED');
    expect(result.output).toMatch(/ca-error: .*(not permitted|not supported)/);
    expect(fs.existsSync(file('intruder.crt'))).toBe(false);
    expect(stack.pkiOperations().at(-1)).toMatchObject({ messageType: 19, pkiStatus: 'Failure', failInfo: 'BadRequest' });
  });

  it('PENDING while the signer is down: CA_WORKING, then `getcert refresh` polls and gets the certificate', async () => {
    const pendingSeen = file('pending-seen');
    const go = file('go');
    await stack.stopService('signer-worker');
    let signerBack = false;
    try {
      const run = runCertmonger(
        home,
        [
          request('pending', 'server-pending'),
          certmongerWaitFor('pending', 'CA_WORKING|CA_UNREACHABLE|CA_REJECTED|MONITORING', 40),
          `touch ${pendingSeen}`,
          waitForFile(go, 60),
          'getcert refresh -s -i pending',
          certmongerWaitFor('pending', 'MONITORING|CA_REJECTED|CA_UNREACHABLE', 40),
        ],
        150_000,
      );
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !fs.existsSync(pendingSeen)) await new Promise((r) => setTimeout(r, 250));
      await stack.startService('signer-worker');
      signerBack = true;
      fs.writeFileSync(go, '');
      const result = await run;
      const statuses = [...result.output.matchAll(/^\s*status: (\S+)/gm)].map((m) => m[1]);
      expect(statuses).toContain('CA_WORKING'); // PENDING understood
      expect(certmongerStatus(result.output)).toBe('MONITORING');
      expect(opensslVerify(caPem, file('pending.crt')).ok).toBe(true);
      const ops = stack.pkiOperations().slice(-2);
      expect(ops).toEqual([
        expect.objectContaining({ messageType: 19, pkiStatus: 'Pending' }),
        expect.objectContaining({ messageType: 19, pkiStatus: 'Success', transactionId: ops[0].transactionId }),
      ]);
    } finally {
      if (!signerBack) await stack.startService('signer-worker');
    }
  }, 200_000);

  // Renewal (RFC 8894 §3.3.1.2): certmonger signs both resubmit and rekey with the current certificate, with or without
  // `Renewal` advertised. Today: resubmit (same key, same CSR, same transactionID) is answered SUCCESS with the OLD
  // certificate (treated as a resend of the finished enrollment); rekey -> FAILURE badRequest "signer key differs from
  // the CSR key". Each waits up to 15 s for a new certificate.
  describe('renewal of the certificate issued above', () => {
    it.each([
      ['resubmit (same key)', 'resubmit'],
      ['rekey (new key)', 'rekey'],
    ] as const)('%s: a PKCSReq signed by the current certificate gets a new certificate', async (_name, command) => {
      const before = fs.readFileSync(file('enroll.crt'), 'utf8');
      const beforeSerial = new X509Certificate(before).serialNumber;
      const from = stack.pkiOperations().length;
      const result = await runCertmonger(home, [
        `cp ${file('enroll.crt')} ${file('before.crt')}`,
        `getcert ${command} -s -i enroll`,
        `for i in $(seq 1 60); do s=$(getcert list -s -i enroll | sed -n 's/^[[:space:]]*status: //p'); ` +
          `case "$s" in MONITORING) cmp -s ${file('enroll.crt')} ${file('before.crt')} || break;; CA_REJECTED|CA_UNREACHABLE) break;; esac; sleep 0.25; done`,
        'getcert list -s -i enroll',
      ]);
      const after = fs.readFileSync(file('enroll.crt'), 'utf8');
      const ops = stack.pkiOperations().slice(from);
      expect({ status: certmongerStatus(result.output), renewed: new X509Certificate(after).serialNumber !== beforeSerial, ops }).toEqual({
        status: 'MONITORING',
        renewed: true,
        ops: [expect.objectContaining({ messageType: 19, pkiStatus: 'Success' })],
      });
      expect(opensslVerify(caPem, file('enroll.crt')).ok).toBe(true);
    });
  });
});

if (!available) {
  it('e2e with certmonger skipped: certmonger or dbus-run-session not installed (apt-get install certmonger dbus)', () => undefined);
}
