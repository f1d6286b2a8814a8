import { buildCertRep } from './cert-rep';
import { buildPkiRequest, readCertRep } from './client';
import type { PkiRequestInput } from './client';
import { FailInfo, MessageType, PkiStatus } from './constants';
import { openEnvelope } from './envelope';
import { ScepCodecError } from './errors';
import { encodeIssuerAndSubject, parseIssuerAndSubject } from './message-data';
import { parsePkiMessage, verifyPkiMessage } from './pki-message';
import { fixtureCert, FIXTURES, openssl, opensslAvailable, scratch, testPki } from './test-support/fixtures';

const pki = testPki();
const issued = fixtureCert('issued.crt.pem');
const raKey = { certificate: pki.ra, privateKey: pki.raKey };

const micromdmLike: PkiRequestInput = {
  messageType: MessageType.PKCSReq,
  transactionId: 'rjc/5AuQ90QkibJm7iAS+POqcyA=',
  messageData: pki.csr,
  signerCertificate: pki.client,
  signerKey: pki.clientKey,
  recipients: [pki.ra, pki.ca], // every certificate of the GetCACert bag
  contentCipher: 'des-cbc',
  digestAlgorithm: 'sha1',
  signatureAlgorithm: 'shaWithRsa',
};

const modern: PkiRequestInput = { ...micromdmLike, recipients: [pki.ra], contentCipher: 'aes-256-cbc', digestAlgorithm: 'sha256', signatureAlgorithm: undefined };

/** The server side of one exchange, with the codec only. */
function serve(request: Buffer, status: PkiStatus = PkiStatus.Success): Buffer {
  const msg = parsePkiMessage(request);
  const signer = verifyPkiMessage(msg);
  const opened = openEnvelope(msg.content!, [raKey]);
  return buildCertRep({
    status,
    ...(status === PkiStatus.Failure ? { failInfo: FailInfo.BadRequest } : {}),
    transactionIdEncoded: msg.transactionIdEncoded,
    recipientNonce: msg.senderNonce,
    digestAlgorithm: msg.digestAlgorithm,
    signer: raKey,
    ...(status === PkiStatus.Success
      ? { success: { certificates: [issued.der], recipient: signer, contentCipher: opened.contentCipher } }
      : {}),
  });
}

describe('client (buildPkiRequest / readCertRep)', () => {
  it('builds a micromdm-like PKCSReq (DES-CBC, SHA-1, sha1WithRSA, two recipients) the server reads', () => {
    const der = buildPkiRequest(micromdmLike);
    const msg = parsePkiMessage(der);
    expect(msg).toMatchObject({ messageType: 19, transactionId: micromdmLike.transactionId, digestAlgorithm: 'sha1', signatureAlgorithmOid: '1.2.840.113549.1.1.5' });
    expect(verifyPkiMessage(msg).der).toEqual(pki.client.der);
    expect(openEnvelope(msg.content!, [raKey])).toMatchObject({ content: pki.csr, contentCipher: 'des-cbc' });
    expect(openEnvelope(msg.content!, [{ certificate: pki.ca, privateKey: pki.caKey }]).content).toEqual(pki.csr);
  });

  it('round-trips a modern exchange (AES-256 + SHA-256): nonces, transactionID, issued certificate', () => {
    const senderNonce = Buffer.alloc(16, 0xab);
    const request = buildPkiRequest({ ...modern, senderNonce });
    const rep = readCertRep(serve(request), pki.ra, pki.clientKey);
    expect(rep.status).toBe(PkiStatus.Success);
    expect(rep.recipientNonce).toEqual(senderNonce);
    expect(rep.senderNonce.equals(senderNonce)).toBe(false);
    expect(rep.transactionId).toBe(modern.transactionId);
    expect(rep.certificates).toEqual([issued.der]);
    expect(rep.contentCipher).toBe('aes-256-cbc');
    expect(rep.digestAlgorithm).toBe('sha256');
  });

  it('round-trips a micromdm-like exchange: the reply comes back in 3DES, SHA-1 mirrored', () => {
    const rep = readCertRep(serve(buildPkiRequest(micromdmLike)), pki.ra, pki.clientKey);
    expect(rep).toMatchObject({ status: PkiStatus.Success, contentCipher: 'des-ede3-cbc', digestAlgorithm: 'sha1' });
  });

  it('builds a CertPoll with an IssuerAndSubject body and reads PENDING / FAILURE replies', () => {
    const body = encodeIssuerAndSubject({ issuerDer: pki.ca.subjectDer, subjectDer: pki.client.subjectDer });
    const poll = buildPkiRequest({ ...modern, messageType: MessageType.CertPoll, messageData: body });
    const msg = parsePkiMessage(poll);
    expect(msg.messageType).toBe(20);
    expect(parseIssuerAndSubject(openEnvelope(msg.content!, [raKey]).content)).toEqual({ issuerDer: pki.ca.subjectDer, subjectDer: pki.client.subjectDer });
    expect(readCertRep(serve(poll, PkiStatus.Pending), pki.ra, pki.clientKey)).toMatchObject({ status: PkiStatus.Pending, certificates: [] });
    expect(readCertRep(serve(poll, PkiStatus.Failure), pki.ra, pki.clientKey)).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadRequest });
  });

  it('leaves signingTime out on request', () => {
    const msg = parsePkiMessage(buildPkiRequest({ ...modern, signingTime: null }));
    expect(msg.signingTime).toBeUndefined();
  });

  it('refuses a reply signed by another certificate (SIGNATURE) or not for our key (DECRYPT)', () => {
    const rep = serve(buildPkiRequest(modern));
    expect(() => readCertRep(rep, pki.ca, pki.clientKey)).toThrow(expect.objectContaining({ code: 'SIGNATURE' }));
    expect(() => readCertRep(rep, pki.ra, pki.otherKey)).toThrow(expect.objectContaining({ code: 'DECRYPT' }));
    // A request is not a CertRep.
    const request = buildPkiRequest({ ...modern, signerCertificate: pki.ra, signerKey: pki.raKey });
    expect(() => readCertRep(request, pki.ra, pki.clientKey)).toThrow(ScepCodecError);
  });

  (opensslAvailable ? it : it.skip)('writes requests that openssl cms verifies and decrypts (independent check of the encoder)', () => {
    const tmp = scratch();
    try {
      for (const [input, legacy] of [
        [modern, false],
        [micromdmLike, true],
      ] as const) {
        const file = tmp.write('req.der', buildPkiRequest(input));
        const envelope = openssl(['cms', '-verify', '-inform', 'DER', '-in', file, '-binary', '-noverify']);
        const envFile = tmp.write('env.der', envelope);
        const providers = legacy ? ['-provider', 'legacy', '-provider', 'default'] : [];
        const csr = openssl(['cms', '-decrypt', ...providers, '-inform', 'DER', '-in', envFile, '-binary', '-recip', `${FIXTURES}/ra.crt.pem`, '-inkey', `${FIXTURES}/ra.key.pem`]);
        expect(csr).toEqual(pki.csr);
      }
    } finally {
      tmp.cleanup();
    }
  });
});
