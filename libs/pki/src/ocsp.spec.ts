import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSelfSignedCaCertificate, issueCertificate, randomSerial } from './certificate-builder';
import { readCertificate } from './certificate-info';
import { derToPem } from './der';
import * as der from './der-writer';
import { encodeDistinguishedName } from './name';
import { OcspRequestError, buildOcspResponse, certIdNamesIssuer, ocspErrorResponse, readOcspRequest } from './ocsp';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocsp-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[]) {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

const caKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const caDer = buildSelfSignedCaCertificate({
  subjectDer: encodeDistinguishedName('CN=OCSP Test CA,O=Acme'),
  keyPair: caKeys,
  notBefore: new Date(Date.now() - 86400_000),
  notAfter: new Date(Date.now() + 3650 * 86400_000),
  digest: 'sha256',
  serial: randomSerial(),
});
const ca = readCertificate(caDer);
const issue = (cn: string, extra: Partial<Parameters<typeof issueCertificate>[0]> = {}) => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = issueCertificate({
    issuer: ca,
    issuerKey: caKeys.privateKey,
    subjectDer: encodeDistinguishedName(`CN=${cn}`),
    subjectSpkiDer: keys.publicKey.export({ type: 'spki', format: 'der' }),
    serial: randomSerial(),
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 30 * 86400_000),
    digest: 'sha256',
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [],
    ...extra,
  });
  return { der, info: readCertificate(der), key: keys.privateKey };
};
const responder = issue('OCSP Responder', { extendedKeyUsage: ['1.3.6.1.5.5.7.3.9'], ocspNoCheck: true });
const good = issue('good-device', { ocspUrls: ['http://scep.example.test/ocsp/t/c'] });
const revoked = issue('revoked-device');
for (const [name, der] of [['ca.pem', caDer], ['responder.pem', responder.der], ['good.pem', good.der], ['revoked.pem', revoked.der]] as const) {
  fs.writeFileSync(path.join(dir, name), derToPem(der, 'CERTIFICATE'));
}

/** A request made by openssl itself (the client the e2e test drives too). */
function opensslRequest(name: string, args: string[]): Buffer {
  const r = openssl(['ocsp', '-issuer', 'ca.pem', ...args, '-reqout', name]);
  if (!r.ok) throw new Error(r.out);
  return fs.readFileSync(path.join(dir, name));
}

describe('OCSP requests (made by openssl ocsp)', () => {
  it('reads CertIDs, the serials as the platform writes them, and the nonce', () => {
    const request = readOcspRequest(opensslRequest('both.der', ['-cert', 'good.pem', '-cert', 'revoked.pem']));
    expect(request.certIds.map((c) => c.serialHex)).toEqual([good.info.serialHex, revoked.info.serialHex]);
    expect(request.certIds.every((c) => c.hash === 'sha1' && certIdNamesIssuer(c, ca))).toBe(true);
    // OpenSSL's nonce: an OCTET STRING of 16 random octets inside the extnValue.
    expect(request.nonce?.length).toBe(18);
    expect(request.nonce?.[0]).toBe(0x04);
  });

  it('reads requests without a nonce, with SHA-256 CertIDs and by serial', () => {
    const request = readOcspRequest(opensslRequest('plain.der', ['-no_nonce', '-sha256', '-serial', `0x${good.info.serialHex}`]));
    expect(request.nonce).toBeUndefined();
    expect(request.certIds).toHaveLength(1);
    expect(request.certIds[0]).toMatchObject({ hash: 'sha256', serialHex: good.info.serialHex });
    expect(certIdNamesIssuer(request.certIds[0]!, ca)).toBe(true);
    expect(certIdNamesIssuer(request.certIds[0]!, responder.info)).toBe(false);
  });

  it.each<[string, Buffer, string]>([
    ['garbage', Buffer.from('hello'), 'OCSPRequest'],
    ['an empty SEQUENCE', Buffer.from([0x30, 0x00]), 'tbsRequest'],
    ['an empty requestList', Buffer.from('30043002' + '3000', 'hex'), 'tbsRequest.requestList'],
    ['trailing bytes', Buffer.concat([Buffer.from('30043002' + '3000', 'hex'), Buffer.from([0])]), 'OCSPRequest'],
  ])('refuses %s, naming the field', (_name, bytes, field) => {
    let error: unknown;
    try {
      readOcspRequest(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OcspRequestError);
    expect((error as OcspRequestError).field).toBe(field);
  });

  it('refuses more CertIDs than it answers, and a nonce over 32 octets (RFC 8954)', () => {
    const many = ['-no_nonce', ...Array.from({ length: 21 }, (_, i) => ['-serial', `0x${(i + 1).toString(16)}`]).flat()];
    expect(() => readOcspRequest(opensslRequest('many.der', many))).toThrow(/at most 20/);
    const certId = readOcspRequest(opensslRequest('one.der', ['-no_nonce', '-serial', '0x01'])).certIds[0]!.der;
    const withNonce = (octets: number) =>
      der.sequence(
        der.sequence(
          der.sequence(der.sequence(certId)),
          der.tlv(der.contextTag(2, true), der.sequence(der.sequence(der.oid('1.3.6.1.5.5.7.48.1.2'), der.octetString(der.octetString(Buffer.alloc(octets, 0xab)))))),
        ),
      );
    expect(readOcspRequest(withNonce(32)).nonce?.length).toBe(34);
    expect(() => readOcspRequest(withNonce(33))).toThrow(/1 to 32 octets/);
    expect(() => readOcspRequest(withNonce(0))).toThrow(/1 to 32 octets/);
  });
});

describe('OCSP responses (checked with openssl ocsp)', () => {
  const now = new Date();
  const respond = (requestDer: Buffer, statuses: Parameters<typeof buildOcspResponse>[0]['responses'][number]['status'][], echoNonce = true) => {
    const request = readOcspRequest(requestDer);
    return buildOcspResponse({
      responder: responder.info,
      responderKey: responder.key,
      certificates: [responder.der],
      responses: request.certIds.map((certId, i) => ({ certIdDer: certId.der, status: statuses[i] ?? { kind: 'unknown' } })),
      producedAt: now,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 3600_000),
      ...(echoNonce && request.nonce ? { nonce: request.nonce } : {}),
      digest: 'sha256',
    });
  };
  /**
   * `openssl ocsp -reqin … -respin …` verifies the signature (through the responder certificate to the CA) and compares
   * the nonce with the request's. Only -reqin: a -cert or -serial would make openssl build a request of its own.
   */
  const check = (requestFile: string, response: Buffer, extra: string[] = []) => {
    fs.writeFileSync(path.join(dir, 'resp.der'), response);
    return openssl(['ocsp', '-reqin', requestFile, '-respin', 'resp.der', '-CAfile', 'ca.pem', '-resp_text', ...extra]);
  };

  it('says good and revoked (time and reason), echoes the nonce, and verifies through the delegated responder', () => {
    const requestDer = opensslRequest('both.der', ['-cert', 'good.pem', '-cert', 'revoked.pem']);
    const revokedAt = new Date('2026-12-01T10:00:00Z');
    const result = check('both.der', respond(requestDer, [{ kind: 'good' }, { kind: 'revoked', revokedAt, reason: 1 }]));
    expect(result.out).toContain('Response verify OK');
    expect(result.out).not.toMatch(/WARNING: no nonce|Nonce Verify error/);
    const statuses = [...result.out.matchAll(/Serial Number: ([0-9A-F]+)\s+Cert Status: (\w+)/g)].map((m) => [m[1], m[2]]);
    expect(statuses).toEqual([
      [good.info.serialHex, 'good'],
      [revoked.info.serialHex, 'revoked'],
    ]);
    expect(result.out).toContain('Revocation Time: Dec  1 10:00:00 2026 GMT');
    expect(result.out).toContain('Revocation Reason: keyCompromise (0x1)');
    expect(result.out).toContain('OCSP Nonce');
    expect(result.out).toMatch(/Responder Id: [0-9A-F]{40}/);
    expect(result.out).toContain('OCSP No Check');
  });

  it('says unknown, and answers a SHA-256 request with the CertID it was asked about', () => {
    const requestDer = opensslRequest('sha256.der', ['-sha256', '-no_nonce', '-serial', '0x7F00DEADBEEF']);
    const result = check('sha256.der', respond(requestDer, [{ kind: 'unknown' }]), ['-no_nonce']);
    expect(result.out).toContain('Response verify OK');
    expect(result.out).toContain('Hash Algorithm: sha256');
    expect(result.out).toMatch(/Serial Number: 7F00DEADBEEF\s+Cert Status: unknown/);
  });

  it("fails openssl's checks when the nonce is not echoed, or the response is not signed by a responder of this CA", () => {
    const requestDer = opensslRequest('nonce.der', ['-cert', 'good.pem']);
    expect(check('nonce.der', respond(requestDer, [{ kind: 'good' }])).out).not.toContain('no nonce');
    expect(check('nonce.der', respond(requestDer, [{ kind: 'good' }], false)).out).toContain('WARNING: no nonce in response');
    const request = readOcspRequest(requestDer);
    const otherNonce = buildOcspResponse({
      responder: responder.info,
      responderKey: responder.key,
      certificates: [responder.der],
      responses: [{ certIdDer: request.certIds[0]!.der, status: { kind: 'good' } }],
      producedAt: now,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 3600_000),
      nonce: Buffer.from('0410' + '00'.repeat(16), 'hex'),
      digest: 'sha256',
    });
    expect(check('nonce.der', otherNonce).out).toContain('Nonce Verify error');
    const otherCaKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const otherCa = readCertificate(
      buildSelfSignedCaCertificate({ subjectDer: encodeDistinguishedName('CN=Other CA'), keyPair: otherCaKeys, notBefore: now, notAfter: new Date(now.getTime() + 86400_000), digest: 'sha256', serial: randomSerial() }),
    );
    const forged = buildOcspResponse({
      responder: otherCa,
      responderKey: otherCaKeys.privateKey,
      certificates: [otherCa.der],
      responses: [{ certIdDer: readOcspRequest(requestDer).certIds[0]!.der, status: { kind: 'good' } }],
      producedAt: now,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 3600_000),
      nonce: readOcspRequest(requestDer).nonce,
      digest: 'sha256',
    });
    const result = check('nonce.der', forged);
    expect(result.out).not.toContain('Response verify OK');
    expect(result.out).toMatch(/Response Verify Failure/i);
  });

  it('writes error statuses openssl understands', () => {
    fs.writeFileSync(path.join(dir, 'err.der'), ocspErrorResponse('tryLater'));
    expect(openssl(['ocsp', '-respin', 'err.der', '-resp_text', '-noverify']).out).toMatch(/Responder Error: trylater \(3\)/);
    fs.writeFileSync(path.join(dir, 'err.der'), ocspErrorResponse('malformedRequest'));
    expect(openssl(['ocsp', '-respin', 'err.der', '-resp_text', '-noverify']).out).toMatch(/malformedrequest \(1\)/);
  });

  it('puts the OCSP URL in issued certificates (authorityInfoAccess) when asked', () => {
    const text = openssl(['x509', '-in', 'good.pem', '-noout', '-text']).out;
    expect(text).toContain('Authority Information Access');
    expect(text).toContain('OCSP - URI:http://scep.example.test/ocsp/t/c');
    expect(openssl(['x509', '-in', 'revoked.pem', '-noout', '-text']).out).not.toContain('Authority Information Access');
    expect(openssl(['x509', '-in', 'responder.pem', '-noout', '-ocsp_uri']).out.trim()).toBe('');
  });
});
