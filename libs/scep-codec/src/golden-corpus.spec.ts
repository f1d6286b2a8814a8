// Golden corpus: every PKIOperation request captured from a real third-party client (test/fixtures/scep/<client>-<version>/,
// made by tools/fixtures/capture-scep-*.mjs, see the README there) replayed through the codec exactly as the gateway
// reads it: parsePkiMessage -> verifyPkiMessage -> openEnvelope (the fixture RA key opens all of them) -> parseCsr |
// parseIssuerAndSubject, checking the facts each client is known to send. A new capture that is not listed here fails
// the "every file is listed" test, so the corpus and this table cannot drift apart.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsr } from '@scep/pki';
import type { CertificateInfo } from '@scep/pki';
import { MessageType } from './constants';
import type { ContentCipher, DigestName } from './constants';
import { openEnvelope } from './envelope';
import { ScepCodecError } from './errors';
import { decodeGetMessageParam } from './get-message';
import { parseIssuerAndSubject } from './message-data';
import { parsePkiMessage, verifyPkiMessage } from './pki-message';
import { fixture, fixtureCert, fixtureText, FIXTURES, testPki } from './test-support/fixtures';

const pki = testPki();
const ra = [{ certificate: pki.ra, privateKey: pki.raKey }];

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  basicConstraints: '2.5.29.19',
  subjectKeyIdentifier: '2.5.29.14',
};

interface Capture {
  /** Path under test/fixtures/scep. */
  readonly file: string;
  readonly messageType: MessageType;
  readonly cipher: ContentCipher;
  readonly digest: DigestName;
  readonly signatureAlgorithmOid: string;
  /** 'self' = self-signed throw-away signer with the CSR's key; otherwise the fixture file of the old certificate. */
  readonly signer: 'self' | string;
  /** For renewals: whether the new CSR reuses the old key. */
  readonly sameKey?: boolean;
  /** challengePassword of the CSR; default: the one the capture tool gave (Interop-Challenge-0001). */
  readonly challenge?: string;
}

interface ClientCorpus {
  readonly dir: string;
  /** The client's transactionID format (RFC 8894 §3.2.1.1 leaves it free) ... */
  readonly transactionIdPattern: RegExp;
  /** ... and how it derives it from the request key, where established. */
  readonly transactionId?: (spkiDer: Buffer) => string;
  readonly captures: readonly Capture[];
}

const sha = (alg: string, data: Buffer) => createHash(alg).update(data).digest();

const CORPUS: readonly ClientCorpus[] = [
  {
    // strongSwan 5.9.8 `pki --scep`: always POST (no Content-Type header), transactionID = upper-case hex SHA-1 of the
    // SubjectPublicKeyInfo, signatureAlgorithm shaNWithRSAEncryption (or RSASSA-PSS with --rsa-padding pss), CertPoll
    // IssuerAndSubject with the --cacert-sig (RA) subject as issuer, RenewalReq (17) or, with
    // pki.scep.renewal_via_pkcs_req, PKCSReq signed by the old certificate, new key, challenge still included.
    dir: 'strongswan-5.9.8',
    transactionIdPattern: /^[0-9A-F]{40}$/,
    transactionId: (spki) => sha('sha1', spki).toString('hex').toUpperCase(),
    captures: [
      { file: 'pkcsreq-des3-sha256-post.der', messageType: MessageType.PKCSReq, cipher: 'des-ede3-cbc', digest: 'sha256', signatureAlgorithmOid: OID.sha256WithRSA, signer: 'self' },
      { file: 'certpoll-des3-sha256-post.der', messageType: MessageType.CertPoll, cipher: 'des-ede3-cbc', digest: 'sha256', signatureAlgorithmOid: OID.sha256WithRSA, signer: 'self' },
      { file: 'pkcsreq-aes128-sha256-post.der', messageType: MessageType.PKCSReq, cipher: 'aes-128-cbc', digest: 'sha256', signatureAlgorithmOid: OID.sha256WithRSA, signer: 'self' },
      { file: 'pkcsreq-des3-sha512-post.der', messageType: MessageType.PKCSReq, cipher: 'des-ede3-cbc', digest: 'sha512', signatureAlgorithmOid: OID.sha512WithRSA, signer: 'self' },
      { file: 'pkcsreq-des3-sha256-pss-post.der', messageType: MessageType.PKCSReq, cipher: 'des-ede3-cbc', digest: 'sha256', signatureAlgorithmOid: OID.rsassaPss, signer: 'self' },
      { file: 'pkcsreq-des3-sha256-nopost-post.der', messageType: MessageType.PKCSReq, cipher: 'des-ede3-cbc', digest: 'sha256', signatureAlgorithmOid: OID.sha256WithRSA, signer: 'self' },
      { file: 'renewalreq-des3-sha256-post.der', messageType: MessageType.RenewalReq, cipher: 'des-ede3-cbc', digest: 'sha256', signatureAlgorithmOid: OID.sha256WithRSA, signer: 'issued.crt.pem', sameKey: false },
      { file: 'pkcsreq-renewal-des3-sha256-post.der', messageType: MessageType.PKCSReq, cipher: 'des-ede3-cbc', digest: 'sha256', signatureAlgorithmOid: OID.sha256WithRSA, signer: 'issued.crt.pem', sameKey: false },
    ],
  },
  {
    // certmonger 0.79.17 (daemon + scep-submit): GET always (even with POSTPKIOperation advertised), AES-256 for `AES`,
    // signatureAlgorithm rsaEncryption, transactionID = DECIMAL of SHA-256 of the SubjectPublicKeyInfo; a poll after
    // PENDING is a regenerated PKCSReq (same transactionID and CSR, new senderNonce), not a CertPoll; renewal
    // (resubmit: same key; rekey: new key) is a PKCSReq signed by the current certificate whether or not `Renewal` is
    // advertised, challenge still included. Each renewal is signed by the certificate the previous capture left.
    dir: 'certmonger-0.79.17',
    transactionIdPattern: /^\d{70,78}$/,
    transactionId: (spki) => BigInt(`0x${sha('sha256', spki).toString('hex')}`).toString(10),
    captures: [
      { file: 'pkcsreq-aes256-sha256-get.query', messageType: MessageType.PKCSReq, cipher: 'aes-256-cbc', digest: 'sha256', signatureAlgorithmOid: OID.rsaEncryption, signer: 'self' },
      { file: 'pkcsreq-aes256-sha256-poll-get.query', messageType: MessageType.PKCSReq, cipher: 'aes-256-cbc', digest: 'sha256', signatureAlgorithmOid: OID.rsaEncryption, signer: 'self' },
      // Without `Renewal` advertised (what our gateway sends today) and with it: signed by the current certificate either way.
      { file: 'resubmit-norenewal-aes256-sha256-get.query', messageType: MessageType.PKCSReq, cipher: 'aes-256-cbc', digest: 'sha256', signatureAlgorithmOid: OID.rsaEncryption, signer: 'issued.crt.pem', sameKey: true },
      { file: 'rekey-norenewal-aes256-sha256-get.query', messageType: MessageType.PKCSReq, cipher: 'aes-256-cbc', digest: 'sha256', signatureAlgorithmOid: OID.rsaEncryption, signer: 'after-resubmit-norenewal.crt.pem', sameKey: false },
      { file: 'resubmit-aes256-sha256-get.query', messageType: MessageType.PKCSReq, cipher: 'aes-256-cbc', digest: 'sha256', signatureAlgorithmOid: OID.rsaEncryption, signer: 'after-rekey-norenewal.crt.pem', sameKey: true },
      { file: 'rekey-aes256-sha256-get.query', messageType: MessageType.PKCSReq, cipher: 'aes-256-cbc', digest: 'sha256', signatureAlgorithmOid: OID.rsaEncryption, signer: 'after-resubmit.crt.pem', sameKey: false },
    ],
  },
  {
    // micromdm scepclient 2.1.0: DES-CBC + SHA-1 whatever the capabilities, base64 transactionID of the first 20 bytes
    // of SHA-256 over the PKCS#1 RSAPublicKey, GET in base64url (see scepclient-2.1.0 in the README).
    dir: 'scepclient-2.1.0',
    transactionIdPattern: /^[A-Za-z0-9+/]{27}=$/,
    captures: [
      { file: 'pkcsreq-rsa2048-post.der', messageType: MessageType.PKCSReq, cipher: 'des-cbc', digest: 'sha1', signatureAlgorithmOid: OID.sha1WithRSA, signer: 'self', challenge: 'scepclient-Challenge-0001' },
      { file: 'pkcsreq-rsa2048-get.query', messageType: MessageType.PKCSReq, cipher: 'des-cbc', digest: 'sha1', signatureAlgorithmOid: OID.sha1WithRSA, signer: 'self', challenge: 'scepclient-Challenge-0001' },
    ],
  },
];

/** The wire form as the gateway receives it: a POST body, or the raw query string of a GET. */
function load(dir: string, file: string): Buffer {
  return file.endsWith('.query') ? decodeGetMessageParam(fixtureText(join(dir, file)))! : fixture(join(dir, file));
}

function replay(dir: string, capture: Capture) {
  const message = parsePkiMessage(load(dir, capture.file));
  const signer: CertificateInfo = verifyPkiMessage(message);
  const opened = openEnvelope(message.content!, ra);
  return { message, signer, opened };
}

describe('golden corpus of real client requests', () => {
  it('lists every captured request of every client directory', () => {
    for (const client of CORPUS) {
      const onDisk = readdirSync(join(FIXTURES, client.dir)).filter((f) => /\.(der|query)$/.test(f)).sort();
      expect(onDisk).toEqual(client.captures.map((c) => c.file).sort());
    }
  });

  describe.each(CORPUS.map((c) => [c.dir, c] as const))('%s', (dir, client) => {
    it.each(client.captures.map((c) => [c.file, c] as const))('%s: parses, verifies, opens with the RA key and carries what the client is known to send', (_file, capture) => {
      const { message, signer, opened } = replay(dir, capture);
      expect(message.messageType).toBe(capture.messageType);
      expect(message.digestAlgorithm).toBe(capture.digest);
      expect(message.signatureAlgorithmOid).toBe(capture.signatureAlgorithmOid);
      expect(opened.contentCipher).toBe(capture.cipher);
      expect(opened.recipient.certificate.der).toEqual(pki.ra.der);
      expect(message.transactionId).toMatch(client.transactionIdPattern);
      expect(message.senderNonce).toHaveLength(16);
      expect(message.signingTime).toBeInstanceOf(Date);
      expect(message.certificates[0]).toEqual(signer.der);

      if (capture.signer === 'self') {
        expect(signer.selfIssued).toBe(true);
      } else {
        // Renewal: signed by the certificate the (fixture) CA issued in the earlier capture, not self-signed.
        const old = fixtureCert(join(dir, capture.signer));
        expect(signer.der).toEqual(old.der);
        expect(signer.issuerDer).toEqual(pki.ca.subjectDer);
      }

      if (capture.messageType === MessageType.CertPoll) {
        const ias = parseIssuerAndSubject(opened.content);
        expect(ias.subjectDer).toEqual(signer.subjectDer);
        // strongSwan names its --cacert-sig certificate (here the RA) as issuer, like Apple: look polls up by transactionID.
        expect(ias.issuerDer).toEqual(pki.ra.subjectDer);
        if (client.transactionId) expect(message.transactionId).toBe(client.transactionId(signer.spkiDer));
        return;
      }

      const csr = parseCsr(opened.content);
      expect(csr.signatureValid).toBe(true);
      expect(csr.keyAlgorithm).toBe('rsa');
      expect(csr.keySize).toBe(2048);
      expect(csr.challengePassword).toBe(capture.challenge ?? 'Interop-Challenge-0001');
      if (capture.signer === 'self') {
        // Proof of possession: the throw-away signer holds the CSR's key.
        expect(signer.spkiDer).toEqual(csr.spkiDer);
      } else {
        expect(signer.spkiDer.equals(csr.spkiDer)).toBe(capture.sameKey);
      }
      if (client.transactionId) expect(message.transactionId).toBe(client.transactionId(csr.spkiDer));
    });
  });

  it('strongSwan: the same key gives the same transactionID in every enrollment, a renewal key its own', () => {
    const ids = CORPUS[0].captures.map((c) => parsePkiMessage(load(CORPUS[0].dir, c.file)).transactionId);
    expect(new Set(ids.slice(0, 6)).size).toBe(1);
    expect(ids[6]).toMatch(/^[0-9A-F]{40}$/);
    expect(ids[6]).toBe(ids[7]);
    expect(ids[6]).not.toBe(ids[0]);
  });

  it('certmonger: its poll is a regenerated PKCSReq (same transactionID and CSR, new senderNonce), not a CertPoll', () => {
    const dir = 'certmonger-0.79.17';
    const first = replay(dir, CORPUS[1].captures[0]);
    const poll = replay(dir, CORPUS[1].captures[1]);
    expect(poll.message.transactionId).toBe(first.message.transactionId);
    expect(poll.message.transactionId).toMatch(/^\d{70,78}$/);
    expect(poll.opened.content).toEqual(first.opened.content);
    expect(poll.message.senderNonce.equals(first.message.senderNonce)).toBe(false);
    // certmonger asks for basicConstraints CA:FALSE and a subjectKeyIdentifier in its CSR.
    expect(parseCsr(first.opened.content).requestedExtensions.map((e) => e.oid)).toEqual([OID.basicConstraints, OID.subjectKeyIdentifier]);
  });

  it('certmonger: resubmit keeps the key and the transactionID; rekey changes both', () => {
    const dir = 'certmonger-0.79.17';
    const [first, , resubmit, rekey, resubmit2, rekey2] = CORPUS[1].captures.map((c) => replay(dir, c));
    const key = (r: typeof first) => parseCsr(r.opened.content).spkiDer;
    expect(resubmit.message.transactionId).toBe(first.message.transactionId);
    expect(key(resubmit)).toEqual(key(first));
    expect(rekey.message.transactionId).not.toBe(first.message.transactionId);
    expect(key(rekey).equals(key(first))).toBe(false);
    expect(resubmit2.message.transactionId).toBe(rekey.message.transactionId);
    expect(rekey2.message.transactionId).not.toBe(rekey.message.transactionId);
  });

  // Regression: RSASSA-PSS SignerInfos (strongSwan --rsa-padding pss) were refused with badAlg.
  describe('RSASSA-PSS (strongSwan --rsa-padding pss)', () => {
    const dir = 'strongswan-5.9.8';
    const pss = CORPUS[0].captures.find((c) => c.signatureAlgorithmOid === OID.rsassaPss)!;

    it('verifies the PSS signature over the signed attributes, with the hash from its parameters', () => {
      expect(() => replay(dir, pss)).not.toThrow();
    });

    it('still refuses a PSS signature that does not verify (badMessageCheck) and a PSS hash outside the allowed digests (badAlg)', () => {
      const der = Buffer.from(load(dir, pss.file));
      der[der.length - 5] ^= 0x01; // inside the signature value, the last field of the message
      const tampered = parsePkiMessage(der);
      expect(() => verifyPkiMessage(tampered)).toThrow(expect.objectContaining({ code: 'SIGNATURE' }) as unknown as ScepCodecError);
      const message = parsePkiMessage(load(dir, pss.file));
      expect(() => verifyPkiMessage(message, { allowedDigests: ['sha512'] })).toThrow(expect.objectContaining({ code: 'ALGORITHM' }) as unknown as ScepCodecError);
    });
  });
});
