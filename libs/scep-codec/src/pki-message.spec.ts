import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { berBytes, berChildren, readBerStrict, readCertificate, derWriter } from '@scep/pki';
import { MessageType } from './constants';
import { ScepCodecError } from './errors';
import { openEnvelope } from './envelope';
import { buildPkiRequest } from './client';
import { decodeGetMessageParam } from './get-message';
import { parsePkiMessage, PKI_MESSAGE_LIMITS, verifyPkiMessage } from './pki-message';
import { buildEnvelope } from './internal/envelope-writer';
import { buildSignedMessage } from './internal/signed-message';
import { attribute } from './internal/attributes';
import { berify } from './test-support/ber';
import { fixture, fixtureCert, fixtureKey, fixtureText, testPki } from './test-support/fixtures';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const { octetString, printableString, utf8String } = derWriter;

const pki = testPki();
const scepclientPost = fixture('scepclient-2.1.0/pkcsreq-rsa2048-post.der');

function expectCode(fn: () => unknown, code: ScepCodecError['code']): ScepCodecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScepCodecError);
    expect((e as ScepCodecError).code).toBe(code);
    return e as ScepCodecError;
  }
  throw new Error(`expected ScepCodecError ${code}`);
}

/** CSR challengePassword read with pkijs (parseCsr belongs to the pki lib and is tested there). */
function csrChallenge(csrDer: Buffer): { cn: string; challenge: string | undefined } {
  const csr = pkijs.CertificationRequest.fromBER(new Uint8Array(csrDer));
  const cn = csr.subject.typesAndValues.find((t) => t.type === '2.5.4.3')?.value.valueBlock.value as string;
  const attr = csr.attributes?.find((a) => a.type === '1.2.840.113549.1.9.7');
  const value = attr?.values[0] as asn1js.BaseStringBlock | undefined;
  return { cn, challenge: value?.valueBlock.value as string | undefined };
}

describe('parsePkiMessage + verifyPkiMessage', () => {
  describe('micromdm scepclient 2.1.0 (captured PKCSReq)', () => {
    const capture = JSON.parse(fixtureText('scepclient-2.1.0/capture.json')) as { challenge: string };

    it('parses the SCEP attributes', () => {
      const msg = parsePkiMessage(scepclientPost);
      expect(msg.messageType).toBe(MessageType.PKCSReq);
      // micromdm: std-base64 of 20 bytes, PrintableString (scep-protocol.md §5.2).
      expect(msg.transactionId).toMatch(/^[A-Za-z0-9+/]{27}=$/);
      expect(msg.transactionIdEncoded[0]).toBe(0x13);
      expect(msg.transactionIdEncoded.subarray(2).toString('latin1')).toBe(msg.transactionId);
      expect(msg.senderNonce).toHaveLength(16);
      expect(msg.recipientNonce).toBeUndefined();
      expect(msg.signingTime).toBeInstanceOf(Date);
      expect(msg.digestAlgorithm).toBe('sha1');
      expect(msg.signatureAlgorithmOid).toBe('1.2.840.113549.1.1.5'); // sha1WithRSAEncryption
      expect(msg.certificates).toHaveLength(1);
      expect(msg.content).toBeDefined();
    });

    it('verifies the signature and returns the self-signed signer', () => {
      const msg = parsePkiMessage(scepclientPost);
      const signer = verifyPkiMessage(msg);
      expect(signer.subject).toBe('CN=SCEP SIGNER,O=scep-client');
      expect(signer.selfIssued).toBe(true);
      expect(signer.serialNumber[0]).toBe(0); // 128-bit random serial with a leading 0x00 octet
    });

    it('refuses SHA-1 when the policy does not allow it (badAlg)', () => {
      const msg = parsePkiMessage(scepclientPost);
      const err = expectCode(() => verifyPkiMessage(msg, { allowedDigests: ['sha256'] }), 'ALGORITHM');
      expect(err.failInfo).toBe(0);
    });

    it('opens the DES-CBC envelope addressed to RA and CA, and carries the CSR with the challenge', () => {
      const msg = parsePkiMessage(scepclientPost);
      // The envelope has one RecipientInfo per certificate of the GetCACert bag (RA first, then CA).
      const env = readBerStrict(msg.content!);
      const envelopedData = berChildren(berChildren(env)[1])[0];
      expect(berChildren(berChildren(envelopedData)[1])).toHaveLength(2);

      const opened = openEnvelope(msg.content!, [{ certificate: pki.ra, privateKey: pki.raKey }]);
      expect(opened.contentCipher).toBe('des-cbc');
      expect(csrChallenge(opened.content)).toEqual({ cn: 'test', challenge: capture.challenge });
      // The CA key opens its own RecipientInfo too.
      const viaCa = openEnvelope(msg.content!, [{ certificate: pki.ca, privateKey: pki.caKey }]);
      expect(viaCa.content).toEqual(opened.content);
      // ...unless single DES is not allowed by policy (badAlg).
      expectCode(() => openEnvelope(msg.content!, [{ certificate: pki.ra, privateKey: pki.raKey }], { allowedCiphers: ['aes-256-cbc'] }), 'ALGORITHM');
    });

    it('decodes the GET form of the same client (base64url, %3D padding)', () => {
      const query = fixtureText('scepclient-2.1.0/pkcsreq-rsa2048-get.query');
      expect(query).toMatch(/[-_]/); // base64url: micromdm/scep#249
      const der = decodeGetMessageParam(query)!;
      const msg = parsePkiMessage(der);
      expect(msg.messageType).toBe(MessageType.PKCSReq);
      const signer = verifyPkiMessage(msg);
      // Same key as the POST capture (the capture reused it), hence the same transactionID.
      expect(msg.transactionId).toBe(parsePkiMessage(scepclientPost).transactionId);
      expect(signer.publicKey.asymmetricKeyType).toBe('rsa');
      const opened = openEnvelope(msg.content!, [{ certificate: pki.ra, privateKey: pki.raKey }]);
      expect(csrChallenge(opened.content).challenge).toBe(capture.challenge);
    });
  });

  describe('BER input (Apple-style)', () => {
    it('accepts indefinite lengths everywhere and a constructed eContent, the envelope BER too', () => {
      const envelope = berify(buildEnvelope(pki.csr, [pki.ra], 'aes-128-cbc'));
      const der = buildSignedMessage({
        digest: 'sha256',
        content: envelope,
        certificates: [pki.client.der],
        signer: pki.client,
        signerKey: pki.clientKey,
        attributes: [
          attribute('2.16.840.1.113733.1.9.7', printableString('BER-TX')),
          attribute('2.16.840.1.113733.1.9.2', printableString('19')),
          attribute('2.16.840.1.113733.1.9.5', octetString(randomBytes(16))),
        ],
        signingTime: new Date(),
        signatureAlgorithm: 'rsaEncryption',
      });
      // Keep the certificates and signedAttrs octets (the signature covers the latter as sent).
      const ber = berify(der, { keep: (node, path) => node.tag === 0xa0 && (path.length === 3 || path.length === 5), chunk: 100 });
      expect(ber[1]).toBe(0x80);
      expect(ber.length).toBeGreaterThan(der.length);
      const msg = parsePkiMessage(ber);
      expect(msg.transactionId).toBe('BER-TX');
      expect(msg.content).toEqual(envelope);
      expect(verifyPkiMessage(msg).der).toEqual(pki.client.der);
      expect(openEnvelope(msg.content!, [{ certificate: pki.ra, privateKey: pki.raKey }]).content).toEqual(pki.csr);
    });
  });

  describe('signer lookup', () => {
    function request(overrides: Partial<Parameters<typeof buildPkiRequest>[0]> = {}): Buffer {
      return buildPkiRequest({
        messageType: MessageType.PKCSReq,
        transactionId: 'tx-1',
        messageData: pki.csr,
        signerCertificate: pki.client,
        signerKey: pki.clientKey,
        recipients: [pki.ra],
        contentCipher: 'aes-256-cbc',
        digestAlgorithm: 'sha256',
        ...overrides,
      });
    }

    it('finds the signer among several certificates by issuerAndSerialNumber', () => {
      const der = request({ extraCertificates: [pki.ca.der, pki.ra.der] });
      const msg = parsePkiMessage(der);
      expect(msg.certificates).toHaveLength(3);
      expect(verifyPkiMessage(msg).der).toEqual(pki.client.der);
    });

    it('matches a serial without its leading 0x00 and an issuer re-encoded with another string type and case', () => {
      // The RA certificate signs here: its serial has a leading 0x00, its issuer uses UTF8String values.
      const der = request({ signerCertificate: pki.ra, signerKey: pki.raKey });
      const rewritten = rewriteSid(der, (issuerAndSerial) => {
        const [issuer, serial] = berChildren(issuerAndSerial);
        // UTF8String "SCEP Test..." -> PrintableString "SCEP TEST..." (same lengths, so no length octet changes).
        const issuerBuf = Buffer.from(berBytes(issuer));
        for (let at = issuerBuf.indexOf('SCEP Test'); at > 1; at = issuerBuf.indexOf('SCEP Test', at + 1)) {
          expect(issuerBuf[at - 2]).toBe(0x0c);
          issuerBuf[at - 2] = 0x13;
          issuerBuf.write('SCEP TEST', at, 'latin1');
        }
        expect(issuerBuf.equals(pki.ra.issuerDer)).toBe(false);
        const serialContent = Buffer.from(berBytes(serial)).subarray(3); // drop 02 09 00
        const serialBuf = Buffer.concat([Buffer.from([0x02, serialContent.length]), serialContent]);
        return seq(Buffer.concat([issuerBuf, serialBuf]));
      });
      expect(rewritten).not.toEqual(der);
      expect(verifyPkiMessage(parsePkiMessage(rewritten)).der).toEqual(pki.ra.der);
    });

    it('finds an SKI signer by the SubjectKeyIdentifier extension, or by the SHA-1 of the key', () => {
      // windows-signer carries an SKI extension that is NOT the SHA-1 of its key.
      const win = fixtureCert('windows-signer.crt.pem');
      expect(win.subjectKeyIdentifier!.toString('hex')).toBe('0123456789abcdef0123456789abcdef01234567');
      const der = request({ signerCertificate: win, signerKey: fixtureKey('windows-signer.key.pem') });
      for (const keyId of [win.subjectKeyIdentifier!, win.publicKeySha1!]) {
        const withSki = rewriteSid(der, () => Buffer.concat([Buffer.from([0x80, keyId.length]), keyId]), 3);
        expect(verifyPkiMessage(parsePkiMessage(withSki)).der).toEqual(win.der);
      }
      // scepclient's signer has no SKI extension at all: only the SHA-1 of its key identifies it.
      const signer = readCertificate(parsePkiMessage(scepclientPost).certificates[0]);
      expect(signer.subjectKeyIdentifier).toBeUndefined();
      const rewritten = rewriteSid(scepclientPost, () => Buffer.concat([Buffer.from([0x80, 20]), signer.publicKeySha1!]), 3);
      expect(verifyPkiMessage(parsePkiMessage(rewritten)).der).toEqual(signer.der);
    });

    it('fails with SIGNATURE when no certificate matches', () => {
      const der = request();
      const msg = parsePkiMessage(rewriteSid(der, () => Buffer.concat([Buffer.from([0x80, 20]), Buffer.alloc(20, 7)]), 3));
      const err = expectCode(() => verifyPkiMessage(msg), 'SIGNATURE');
      expect(err.failInfo).toBe(1);
    });

    it('reads Windows- and Apple-style self-signed signers', () => {
      for (const name of ['windows-signer', 'apple-signer']) {
        const cert = fixtureCert(`${name}.crt.pem`);
        const der = request({ signerCertificate: cert, signerKey: fixtureKey(`${name}.key.pem`) });
        expect(verifyPkiMessage(parsePkiMessage(der)).der).toEqual(cert.der);
      }
    });
  });

  describe('verification failures', () => {
    const good = () =>
      buildPkiRequest({
        messageType: MessageType.PKCSReq,
        transactionId: 'tx-tamper',
        messageData: pki.csr,
        signerCertificate: pki.client,
        signerKey: pki.clientKey,
        recipients: [pki.ra],
        contentCipher: 'aes-128-cbc',
        digestAlgorithm: 'sha256',
      });

    it('detects a tampered signature (SIGNATURE / badMessageCheck)', () => {
      const der = good();
      const sigAt = der.length - 10; // inside the signature OCTET STRING at the end of the SignerInfo
      der[sigAt] ^= 0x01;
      const err = expectCode(() => verifyPkiMessage(parsePkiMessage(der)), 'SIGNATURE');
      expect(err.failInfo).toBe(1);
    });

    it('detects tampered content (messageDigest mismatch)', () => {
      const der = good();
      const msg = parsePkiMessage(der);
      const at = der.indexOf(msg.content!.subarray(200, 216));
      der[at] ^= 0x80;
      expectCode(() => verifyPkiMessage(parsePkiMessage(der)), 'SIGNATURE');
    });

    it('detects a tampered signed attribute', () => {
      const der = good();
      const at = der.indexOf(Buffer.from('tx-tamper'));
      der[at] = 'T'.charCodeAt(0);
      const msg = parsePkiMessage(der);
      expect(msg.transactionId).toBe('Tx-tamper');
      expectCode(() => verifyPkiMessage(msg), 'SIGNATURE');
    });

    it('signs with the wrong key -> SIGNATURE', () => {
      const der = buildPkiRequest({
        messageType: MessageType.PKCSReq,
        transactionId: 'tx',
        messageData: pki.csr,
        signerCertificate: pki.client,
        signerKey: pki.otherKey,
        recipients: [pki.ra],
        contentCipher: 'aes-128-cbc',
        digestAlgorithm: 'sha256',
      });
      expectCode(() => verifyPkiMessage(parsePkiMessage(der)), 'SIGNATURE');
    });

    it('accepts MD5 only when the caller allows it; accepts shaNWithRSA signature OIDs', () => {
      const md5 = buildPkiRequest({
        messageType: MessageType.PKCSReq,
        transactionId: 'cisco',
        messageData: pki.csr,
        signerCertificate: pki.client,
        signerKey: pki.clientKey,
        recipients: [pki.ra],
        contentCipher: 'des-cbc',
        digestAlgorithm: 'md5',
      });
      const msg = parsePkiMessage(md5);
      expect(msg.digestAlgorithm).toBe('md5');
      expectCode(() => verifyPkiMessage(msg), 'ALGORITHM');
      expect(verifyPkiMessage(msg, { allowedDigests: ['md5'] }).der).toEqual(pki.client.der);
      for (const digest of ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const) {
        const der = buildPkiRequest({
          messageType: MessageType.CertPoll,
          transactionId: digest,
          messageData: pki.csr,
          signerCertificate: pki.client,
          signerKey: pki.clientKey,
          recipients: [pki.ra],
          contentCipher: 'aes-256-cbc',
          digestAlgorithm: digest,
          signatureAlgorithm: 'shaWithRsa',
        });
        const parsed = parsePkiMessage(der);
        expect(parsed.digestAlgorithm).toBe(digest);
        expect(verifyPkiMessage(parsed).der).toEqual(pki.client.der);
      }
    });

    it('maps an unknown digest OID to ALGORITHM at verification, still echoing the attributes', () => {
      const der = good();
      const sha256Oid = Buffer.from('0609608648016503040201', 'hex');
      // Both occurrences (digestAlgorithms and SignerInfo) -> a made-up arc under the same prefix.
      const patched = Buffer.from(der.toString('hex').split(sha256Oid.toString('hex')).join('060960864801650304027f'), 'hex');
      const msg = parsePkiMessage(patched);
      expect(msg.digestAlgorithmOid).toBe('2.16.840.1.101.3.4.2.127');
      expect(msg.digestAlgorithm).toBe('sha256');
      expect(msg.transactionId).toBe('tx-tamper');
      expectCode(() => verifyPkiMessage(msg, { allowedDigests: ['sha256', 'md5'] }), 'ALGORITHM');
    });

    it('requires contentType = id-data', () => {
      const der = buildSignedMessage({
        digest: 'sha256',
        content: Buffer.from('x'),
        certificates: [pki.client.der],
        signer: pki.client,
        signerKey: pki.clientKey,
        attributes: [attribute('2.16.840.1.113733.1.9.7', printableString('t')), attribute('2.16.840.1.113733.1.9.5', octetString(Buffer.alloc(16)))],
        signingTime: null,
        signatureAlgorithm: 'rsaEncryption',
      });
      // Swap the contentType value id-data (…07 01) for id-signedData (…07 02) inside signedAttrs.
      const hex = der.toString('hex');
      const attr = '06092a864886f70d010903310b06092a864886f70d010701';
      const patched = Buffer.from(hex.replace(attr, attr.slice(0, -2) + '02'), 'hex');
      expectCode(() => verifyPkiMessage(parsePkiMessage(patched)), 'SIGNATURE');
    });
  });

  describe('malformed input (never anything but ScepCodecError MALFORMED)', () => {
    it.each([
      ['empty', Buffer.alloc(0)],
      ['garbage', Buffer.from('hello world')],
      ['a lone SEQUENCE', Buffer.from('3000', 'hex')],
      ['truncated', scepclientPost.subarray(0, scepclientPost.length - 1)],
      ['trailing bytes', Buffer.concat([scepclientPost, Buffer.from([0])])],
      ['too large', Buffer.alloc(PKI_MESSAGE_LIMITS.maxBytes + 1, 0x30)],
      ['an EnvelopedData', fixture('openssl/envelope-aes128.der')],
      ['a certs-only bag', fixture('openssl/ra-ca-bag.der')],
    ])('%s', (_, input) => {
      expectCode(() => parsePkiMessage(input), 'MALFORMED');
    });

    it('refuses messages without transactionID or senderNonce, or with duplicated attributes', () => {
      const build = (attributes: Buffer[]) =>
        buildSignedMessage({
          digest: 'sha256',
          content: Buffer.from('x'),
          certificates: [pki.client.der],
          signer: pki.client,
          signerKey: pki.clientKey,
          attributes,
          signingTime: null,
          signatureAlgorithm: 'rsaEncryption',
        });
      const tx = attribute('2.16.840.1.113733.1.9.7', printableString('t'));
      const nonce = attribute('2.16.840.1.113733.1.9.5', octetString(Buffer.alloc(16, 1)));
      expectCode(() => parsePkiMessage(build([tx])), 'MALFORMED');
      expectCode(() => parsePkiMessage(build([nonce])), 'MALFORMED');
      expectCode(() => parsePkiMessage(build([tx, nonce, attribute('2.16.840.1.113733.1.9.7', printableString('u'))])), 'MALFORMED');
      expectCode(() => parsePkiMessage(build([attribute('2.16.840.1.113733.1.9.7', printableString('x'.repeat(257))), nonce])), 'MALFORMED');
      const ok = parsePkiMessage(build([attribute('2.16.840.1.113733.1.9.7', utf8String('ü-tx')), nonce]));
      expect(ok.transactionId).toBe('ü-tx');
      expect(Number.isNaN(ok.messageType)).toBe(true);
    });

    it('refuses a transactionID with NUL or other control characters (regression: NUL reached PostgreSQL, HTTP 500 from the gateway)', () => {
      const build = (tx: Buffer) =>
        buildSignedMessage({
          digest: 'sha256',
          content: Buffer.from('x'),
          certificates: [pki.client.der],
          signer: pki.client,
          signerKey: pki.clientKey,
          attributes: [attribute('2.16.840.1.113733.1.9.7', tx), attribute('2.16.840.1.113733.1.9.5', octetString(Buffer.alloc(16, 1)))],
          signingTime: null,
          signatureAlgorithm: 'rsaEncryption',
        });
      for (const text of ['tx\u0000id', '\u0000', 'tab\there', 'line\r\nbreak', 'del\u007f']) {
        expectCode(() => parsePkiMessage(build(derWriter.tlv(0x13, Buffer.from(text, 'latin1')))), 'MALFORMED');
        expectCode(() => parsePkiMessage(build(utf8String(text))), 'MALFORMED');
      }
      // Printable text of every kind still passes: micromdm's base64 IDs, spaces, non-ASCII.
      for (const text of ['AbC+/0=', 'SSCEP transactionId', 'ü-tx €']) expect(parsePkiMessage(build(utf8String(text))).transactionId).toBe(text);
    });

    it('caps the number of certificates', () => {
      const der = buildPkiRequest({
        messageType: MessageType.PKCSReq,
        transactionId: 'many',
        messageData: pki.csr,
        signerCertificate: pki.client,
        signerKey: pki.clientKey,
        recipients: [pki.ra],
        contentCipher: 'aes-128-cbc',
        digestAlgorithm: 'sha256',
        extraCertificates: Array.from({ length: 10 }, () => pki.ca.der),
      });
      expectCode(() => parsePkiMessage(der), 'MALFORMED');
    });

    it('survives random corruption of a real request', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(scepclientPost.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
          const copy = Buffer.from(scepclientPost);
          for (const [at, value] of edits) copy[at] = value;
          try {
            const msg = parsePkiMessage(copy);
            verifyPkiMessage(msg);
          } catch (e) {
            expect(e).toBeInstanceOf(ScepCodecError);
          }
        }),
        { numRuns: 400 },
      );
    });

    it('survives random truncation and random bytes', () => {
      fc.assert(
        fc.property(fc.nat(scepclientPost.length), fc.uint8Array({ maxLength: 64 }), (cut, junk) => {
          for (const input of [scepclientPost.subarray(0, cut), Buffer.from(junk), Buffer.concat([Buffer.from([0x30, 0x80]), junk])]) {
            try {
              parsePkiMessage(input);
            } catch (e) {
              expect(e).toBeInstanceOf(ScepCodecError);
              expect((e as ScepCodecError).code).toBe('MALFORMED');
            }
          }
        }),
        { numRuns: 300 },
      );
    });

    it('refuses a signerInfo handle that did not come from parsePkiMessage', () => {
      const msg = parsePkiMessage(scepclientPost);
      expectCode(() => verifyPkiMessage({ ...msg, signerInfo: {} }), 'MALFORMED');
    });
  });
});

/** DER SEQUENCE around content (short or long form). */
function seq(content: Buffer): Buffer {
  const len = content.length < 0x80 ? Buffer.from([content.length]) : content.length < 0x100 ? Buffer.from([0x81, content.length]) : Buffer.from([0x82, content.length >> 8, content.length & 0xff]);
  return Buffer.concat([Buffer.from([0x30]), len, content]);
}

/**
 * Re-encodes a request with a different SignerInfo sid (and version), re-signing nothing: the signature covers
 * only signedAttrs, so a changed sid still verifies when it designates the same certificate.
 */
function rewriteSid(der: Buffer, make: (sid: ReturnType<typeof readBerStrict>) => Buffer, version = 1): Buffer {
  const node = readBerStrict(der);
  const [oidNode, wrapper] = berChildren(node);
  const signedData = berChildren(wrapper)[0];
  const sdParts = berChildren(signedData);
  const signerSet = sdParts[sdParts.length - 1];
  const signerInfo = berChildren(signerSet)[0];
  const siParts = berChildren(signerInfo);
  const newSi = seq(Buffer.concat([Buffer.from([0x02, 0x01, version]), make(siParts[1]), ...siParts.slice(2).map((p) => berBytes(p))]));
  const newSet = Buffer.concat([Buffer.from([0x31]), lengthOf(newSi.length), newSi]);
  const newSd = seq(Buffer.concat([...sdParts.slice(0, -1).map((p) => berBytes(p)), newSet]));
  const newWrapper = Buffer.concat([Buffer.from([0xa0]), lengthOf(newSd.length), newSd]);
  return seq(Buffer.concat([berBytes(oidNode), newWrapper]));
}

function lengthOf(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

