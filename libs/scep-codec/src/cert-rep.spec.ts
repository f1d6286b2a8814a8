import { createHash, randomBytes } from 'node:crypto';
import { berBytes, berChildren, berContent, berOid, buildCrl, readBerStrict, derWriter } from '@scep/pki';
import type { BerNode } from '@scep/pki';
import { buildCertRep, replyDigestFor } from './cert-rep';
import type { CertRepInput } from './cert-rep';
import { readCertRep } from './client';
import { FailInfo, MessageType, PkiStatus } from './constants';
import type { ContentCipher, DigestName } from './constants';
import { openEnvelope } from './envelope';
import { ScepCodecError } from './errors';
import { parsePkiMessage, verifyPkiMessage } from './pki-message';
import { readCertsOnly } from './certs-only';
import { fixture, fixtureCert, FIXTURES, openssl, opensslAvailable, scratch, testPki } from './test-support/fixtures';
import { buildPkiRequest } from './client';

const { compareDer } = derWriter;

const pki = testPki();
const issued = fixtureCert('issued.crt.pem');
const scepclientPost = fixture('scepclient-2.1.0/pkcsreq-rsa2048-post.der');

const OID = {
  transactionID: '2.16.840.1.113733.1.9.7',
  messageType: '2.16.840.1.113733.1.9.2',
  pkiStatus: '2.16.840.1.113733.1.9.3',
  failInfo: '2.16.840.1.113733.1.9.4',
  senderNonce: '2.16.840.1.113733.1.9.5',
  recipientNonce: '2.16.840.1.113733.1.9.6',
  failInfoText: '1.3.6.1.5.5.7.24.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
};

/** A request from our test client (AES-256 + SHA-256 by default), parsed and verified as the gateway would. */
function request(digest: DigestName = 'sha256', cipher: ContentCipher = 'aes-256-cbc') {
  const der = buildPkiRequest({
    messageType: MessageType.PKCSReq,
    transactionId: 'B2A1C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4',
    messageData: pki.csr,
    signerCertificate: pki.client,
    signerKey: pki.clientKey,
    recipients: [pki.ra],
    contentCipher: cipher,
    digestAlgorithm: digest,
  });
  const msg = parsePkiMessage(der);
  const signer = verifyPkiMessage(msg, { allowedDigests: ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] });
  const opened = openEnvelope(msg.content!, [{ certificate: pki.ra, privateKey: pki.raKey }]);
  return { der, msg, signer, opened };
}

function success(req: ReturnType<typeof request>, extra: Partial<CertRepInput> = {}): Buffer {
  return buildCertRep({
    status: PkiStatus.Success,
    transactionIdEncoded: req.msg.transactionIdEncoded,
    recipientNonce: req.msg.senderNonce,
    digestAlgorithm: req.msg.digestAlgorithm,
    signer: { certificate: pki.ra, privateKey: pki.raKey },
    extraCertificates: [pki.ca.der],
    success: { certificates: [issued.der, pki.ca.der], recipient: req.signer, contentCipher: req.opened.contentCipher },
    ...extra,
  });
}

interface Dissected {
  signedData: BerNode[];
  digestAlgorithmOids: string[];
  eContent?: BerNode;
  certificates: Buffer[];
  signerInfo: BerNode[];
  signedAttrs: BerNode;
  attrs: Map<string, BerNode>;
  attrEncodings: Buffer[];
}

function dissect(der: Buffer): Dissected {
  const [oidNode, wrapper] = berChildren(readBerStrict(der));
  expect(berOid(oidNode)).toBe('1.2.840.113549.1.7.2');
  const signedData = berChildren(berChildren(wrapper)[0]);
  const encap = berChildren(signedData[2]);
  const eContent = encap[1] ? berChildren(encap[1])[0] : undefined;
  const certs = signedData[3].tag === 0xa0 ? berChildren(signedData[3]).map((c) => Buffer.from(berBytes(c))) : [];
  const signerInfo = berChildren(berChildren(signedData[signedData.length - 1])[0]);
  const signedAttrs = signerInfo[3];
  const attrs = new Map<string, BerNode>();
  const attrEncodings: Buffer[] = [];
  for (const a of berChildren(signedAttrs)) {
    const [t, set] = berChildren(a);
    const values = berChildren(set);
    expect(values).toHaveLength(1);
    attrs.set(berOid(t), values[0]);
    attrEncodings.push(Buffer.from(berBytes(a)));
  }
  return {
    signedData,
    digestAlgorithmOids: berChildren(signedData[1]).map((alg) => berOid(berChildren(alg)[0])),
    eContent,
    certificates: certs,
    signerInfo,
    signedAttrs,
    attrs,
    attrEncodings,
  };
}

/** FAILURE / PENDING: encapContentInfo { id-data, [0] { OCTET STRING (0 bytes), primitive } }. */
function expectEmptyEContent(d: Dissected): void {
  expect(berChildren(d.signedData[2])).toHaveLength(2);
  expect(d.eContent!.tag).toBe(0x04);
  expect(berContent(d.eContent!)).toHaveLength(0);
}

function expectShortPrintable(node: BerNode, text: string): void {
  expect(node.tag).toBe(0x13);
  expect(node.contentStart - node.start).toBe(2); // short-form length (Apple requires it)
  expect(berContent(node).toString('latin1')).toBe(text);
}

describe('buildCertRep', () => {
  describe('SUCCESS', () => {
    const req = request();
    const der = success(req);
    const d = dissect(der);

    it('is DER and re-encodes to itself (no BER leftovers)', () => {
      const root = readBerStrict(der);
      expect(root.indefinite).toBe(false);
      expect(berBytes(root)).toEqual(der);
    });

    it('has SignedData v1, the mirrored digest, RA then extra certificates', () => {
      expect(berBytes(d.signedData[0]).toString('hex')).toBe('020101');
      expect(d.digestAlgorithmOids).toEqual(['2.16.840.1.101.3.4.2.1']);
      expect(d.certificates).toEqual([pki.ra.der, pki.ca.der]);
    });

    it('has SignerInfo v1 with issuerAndSerialNumber copied from the RA certificate and rsaEncryption', () => {
      expect(berBytes(d.signerInfo[0]).toString('hex')).toBe('020101');
      const [issuer, serial] = berChildren(d.signerInfo[1]);
      expect(berBytes(issuer)).toEqual(pki.ra.issuerDer);
      expect(berContent(serial)).toEqual(pki.ra.serialNumber); // 00 8a ...: the leading zero is kept
      expect(berOid(berChildren(d.signerInfo[2])[0])).toBe('2.16.840.1.101.3.4.2.1');
      expect(d.signedAttrs.tag).toBe(0xa0);
      expect(berOid(berChildren(d.signerInfo[4])[0])).toBe('1.2.840.113549.1.1.1');
    });

    it('has the signed attributes in DER SET OF order, each with the type clients expect', () => {
      const sorted = [...d.attrEncodings].sort(compareDer);
      expect(d.attrEncodings).toEqual(sorted);
      expect([...d.attrs.keys()].sort()).toEqual(
        [OID.contentType, OID.messageDigest, OID.signingTime, OID.transactionID, OID.messageType, OID.pkiStatus, OID.senderNonce, OID.recipientNonce].sort(),
      );
      expectShortPrintable(d.attrs.get(OID.messageType)!, '3');
      expectShortPrintable(d.attrs.get(OID.pkiStatus)!, '0');
      expect(d.attrs.has(OID.failInfo)).toBe(false);
      expect(d.attrs.get(OID.signingTime)!.tag).toBe(0x17);
      expect(berOid(d.attrs.get(OID.contentType)!)).toBe('1.2.840.113549.1.7.1');
    });

    it('echoes the transactionID TLV byte for byte and answers the request senderNonce', () => {
      expect(Buffer.from(berBytes(d.attrs.get(OID.transactionID)!))).toEqual(req.msg.transactionIdEncoded);
      const recipientNonce = d.attrs.get(OID.recipientNonce)!;
      expect(recipientNonce.tag).toBe(0x04);
      expect(berContent(recipientNonce)).toEqual(req.msg.senderNonce);
    });

    it('uses a fresh 16-byte senderNonce for every reply', () => {
      const nonce = berContent(d.attrs.get(OID.senderNonce)!);
      expect(nonce).toHaveLength(16);
      expect(nonce.equals(req.msg.senderNonce)).toBe(false);
      const again = berContent(dissect(success(req)).attrs.get(OID.senderNonce)!);
      expect(again.equals(nonce)).toBe(false);
    });

    it('carries the envelope as a PRIMITIVE eContent OCTET STRING whose digest is messageDigest', () => {
      expect(d.eContent!.tag).toBe(0x04);
      const content = berContent(d.eContent!);
      expect(berContent(d.attrs.get(OID.messageDigest)!)).toEqual(createHash('sha256').update(content).digest());
    });

    it('envelopes the bag to the request signer (ktri v0, issuerAndSerialNumber copied), mirroring the cipher', () => {
      const content = berContent(d.eContent!);
      const [, wrapper] = berChildren(readBerStrict(content));
      const [version, recipientInfos, eci] = berChildren(berChildren(wrapper)[0]);
      expect(berBytes(version).toString('hex')).toBe('020100');
      const ktris = berChildren(recipientInfos);
      expect(ktris).toHaveLength(1);
      expect(berBytes(berChildren(ktris[0])[1])).toEqual(Buffer.concat([Buffer.from([0x30, req.signer.issuerDer.length + req.signer.serialNumber.length + 2]), req.signer.issuerDer, Buffer.from([0x02, req.signer.serialNumber.length]), req.signer.serialNumber]));
      expect(berOid(berChildren(berChildren(eci)[1])[0])).toBe('2.16.840.1.101.3.4.1.42'); // aes-256-cbc
      expect(berChildren(eci)[2].tag).toBe(0x80); // [0] IMPLICIT, primitive
    });

    it('puts the issued certificate FIRST in the inner bag, order preserved', () => {
      const opened = openEnvelope(berContent(d.eContent!), [{ certificate: pki.client, privateKey: pki.clientKey }]);
      expect(readCertsOnly(opened.content).certificates).toEqual([issued.der, pki.ca.der]);
      // Never DER-sorted: at least one of these orders is not the sorted one, both must come back as given.
      const orders = [
        [issued.der, pki.ra.der, pki.ca.der],
        [issued.der, pki.ca.der, pki.ra.der],
      ];
      expect(orders.some((o) => !o.every((c, i) => c.equals([...o].sort(compareDer)[i])))).toBe(true);
      for (const order of orders) {
        const rep = success(req, { success: { certificates: order, recipient: req.signer, contentCipher: 'aes-128-cbc' } });
        expect(readCertRep(rep, pki.ra, pki.clientKey).certificates).toEqual(order);
      }
    });

    it('is read back by the client (signature over the exact signedAttrs octets)', () => {
      const rep = readCertRep(der, pki.ra, pki.clientKey);
      expect(rep.status).toBe(PkiStatus.Success);
      expect(rep.certificates).toEqual([issued.der, pki.ca.der]);
      expect(rep.transactionIdEncoded).toEqual(req.msg.transactionIdEncoded);
      expect(rep.recipientNonce).toEqual(req.msg.senderNonce);
      expect(rep.digestAlgorithm).toBe('sha256');
      expect(rep.contentCipher).toBe('aes-256-cbc');
    });

    // OpenSSL re-encodes (and so DER-sorts) the signed attributes it parsed before checking the signature, like
    // NSS-derived verifiers (Apple): passing proves the SET was DER as signed (§7.2).
    (opensslAvailable ? it : it.skip)('is verified (chain to the CA) and decrypted by openssl cms', () => {
      const tmp = scratch();
      try {
        const repFile = tmp.write('certrep.der', der);
        const inner = openssl(['cms', '-verify', '-inform', 'DER', '-in', repFile, '-binary', '-CAfile', `${FIXTURES}/ca.crt.pem`, '-purpose', 'any']);
        expect(inner).toEqual(berContent(d.eContent!));
        openssl(['cms', '-verify', '-inform', 'DER', '-in', repFile, '-binary', '-noverify']);
        const innerFile = tmp.write('inner.der', inner);
        const bag = openssl(['cms', '-decrypt', '-inform', 'DER', '-in', innerFile, '-binary', '-recip', `${FIXTURES}/client.crt.pem`, '-inkey', `${FIXTURES}/client.key.pem`]);
        const bagFile = tmp.write('bag.der', bag);
        const certs = openssl(['pkcs7', '-inform', 'DER', '-in', bagFile, '-print_certs']).toString();
        const subjects = [...certs.matchAll(/^subject=(.*)$/gm)].map((m) => m[1]);
        expect(subjects[0]).toContain('device-0001');
        expect(subjects[1]).toContain('SCEP Test Root CA');
      } finally {
        tmp.cleanup();
      }
    });
  });

  describe('answering the captured micromdm scepclient request', () => {
    const msg = parsePkiMessage(scepclientPost);
    const signer = verifyPkiMessage(msg);
    const opened = openEnvelope(msg.content!, [{ certificate: pki.ra, privateKey: pki.raKey }]);

    it('answers SHA-1 with SHA-1 and single DES with 3DES, echoing the base64 transactionID', () => {
      const der = buildCertRep({
        status: PkiStatus.Success,
        transactionIdEncoded: msg.transactionIdEncoded,
        recipientNonce: msg.senderNonce,
        digestAlgorithm: msg.digestAlgorithm,
        signer: { certificate: pki.ra, privateKey: pki.raKey },
        success: { certificates: [issued.der], recipient: signer, contentCipher: opened.contentCipher },
      });
      const d = dissect(der);
      expect(d.digestAlgorithmOids).toEqual(['1.3.14.3.2.26']);
      expect(Buffer.from(berBytes(d.attrs.get(OID.transactionID)!))).toEqual(msg.transactionIdEncoded);
      const env = berChildren(berChildren(readBerStrict(berContent(d.eContent!)))[1])[0];
      const eci = berChildren(env)[2];
      expect(berOid(berChildren(berChildren(eci)[1])[0])).toBe('1.2.840.113549.3.7'); // des-ede3-cbc, never des-cbc
      // The envelope is addressed to the scepclient signer (serial with a leading 0x00, copied as is).
      const rid = berChildren(berChildren(berChildren(env)[1])[0])[1];
      expect(berContent(berChildren(rid)[1])).toEqual(signer.serialNumber);
    });
  });

  describe('digest mirroring', () => {
    it.each<[DigestName, DigestName]>([
      ['sha1', 'sha1'],
      ['sha224', 'sha224'],
      ['sha256', 'sha256'],
      ['sha384', 'sha384'],
      ['sha512', 'sha512'],
      ['md5', 'sha256'],
    ])('%s request -> %s reply', (asked, answered) => {
      expect(replyDigestFor(asked)).toBe(answered);
      const req = request(asked, 'des-cbc');
      const der = success(req);
      const d = dissect(der);
      expect(d.digestAlgorithmOids).toHaveLength(1);
      expect(readCertRep(der, pki.ra, pki.clientKey)).toMatchObject({ digestAlgorithm: answered, contentCipher: 'des-ede3-cbc' });
      expect(berContent(d.attrs.get(OID.messageDigest)!)).toHaveLength(createHash(answered).digest().length);
    });
  });

  describe('FAILURE and PENDING', () => {
    const req = request();
    const base = {
      transactionIdEncoded: req.msg.transactionIdEncoded,
      recipientNonce: req.msg.senderNonce,
      digestAlgorithm: req.msg.digestAlgorithm,
      signer: { certificate: pki.ra, privateKey: pki.raKey },
    } as const;

    it('FAILURE carries failInfo (PrintableString), optional failInfoText (UTF8String) and an empty eContent', () => {
      const der = buildCertRep({ ...base, status: PkiStatus.Failure, failInfo: FailInfo.BadRequest, failInfoText: 'Request rejected' });
      const d = dissect(der);
      expectEmptyEContent(d);
      expectShortPrintable(d.attrs.get(OID.pkiStatus)!, '2');
      expectShortPrintable(d.attrs.get(OID.failInfo)!, '2');
      const text = d.attrs.get(OID.failInfoText)!;
      expect(text.tag).toBe(0x0c);
      expect(berContent(text).toString()).toBe('Request rejected');
      // messageDigest of the empty content = hash of the empty string (§7.1).
      expect(berContent(d.attrs.get(OID.messageDigest)!)).toEqual(createHash('sha256').digest());
      expect(d.certificates).toEqual([pki.ra.der]);
      const rep = readCertRep(der, pki.ra, pki.clientKey);
      expect(rep).toMatchObject({ status: PkiStatus.Failure, failInfo: FailInfo.BadRequest, failInfoText: 'Request rejected', certificates: [] });
    });

    it('PENDING has no failInfo and an empty eContent (no pkcsPKIEnvelope)', () => {
      const der = buildCertRep({ ...base, status: PkiStatus.Pending });
      const d = dissect(der);
      expectEmptyEContent(d);
      expect(berContent(d.attrs.get(OID.messageDigest)!)).toEqual(createHash('sha256').digest());
      expectShortPrintable(d.attrs.get(OID.pkiStatus)!, '3');
      expect(d.attrs.has(OID.failInfo)).toBe(false);
      expect(d.attrs.has(OID.failInfoText)).toBe(false);
      expect(readCertRep(der, pki.ra, pki.clientKey).status).toBe(PkiStatus.Pending);
    });

    (opensslAvailable ? it : it.skip)('openssl verifies FAILURE and PENDING replies (CMS API, empty content)', () => {
      const tmp = scratch();
      try {
        for (const der of [
          buildCertRep({ ...base, status: PkiStatus.Failure, failInfo: FailInfo.BadMessageCheck }),
          buildCertRep({ ...base, status: PkiStatus.Pending }),
        ]) {
          const file = tmp.write('rep.der', der);
          openssl(['cms', '-verify', '-inform', 'DER', '-in', file, '-binary', '-CAfile', `${FIXTURES}/ca.crt.pem`, '-purpose', 'any']);
        }
      } finally {
        tmp.cleanup();
      }
    });

    // Regression: certmonger 0.79.17's scep-submit verifies replies with OpenSSL's PKCS7_verify and no detached data;
    // a PENDING/FAILURE without eContent failed with "PKCS7 routines::no content", so certmonger reported
    // CA_UNREACHABLE instead of polling (PENDING) or giving up (FAILURE). `openssl smime -verify` is that same API.
    (opensslAvailable ? it : it.skip)('OpenSSL PKCS7_verify (certmonger, smime) reads FAILURE and PENDING without detached content', () => {
      const tmp = scratch();
      try {
        for (const der of [
          buildCertRep({ ...base, status: PkiStatus.Failure, failInfo: FailInfo.BadRequest }),
          buildCertRep({ ...base, status: PkiStatus.Pending }),
        ]) {
          const file = tmp.write('rep.der', der);
          const out = openssl(['smime', '-verify', '-inform', 'DER', '-in', file, '-binary', '-CAfile', `${FIXTURES}/ca.crt.pem`, '-purpose', 'any']);
          expect(out).toHaveLength(0);
        }
      } finally {
        tmp.cleanup();
      }
    });

    it('honours a given senderNonce and signingTime (deterministic replays in tests)', () => {
      const nonce = randomBytes(16);
      const at = new Date('2030-01-02T03:04:05Z');
      const d = dissect(buildCertRep({ ...base, status: PkiStatus.Pending, senderNonce: nonce, signingTime: at }));
      expect(berContent(d.attrs.get(OID.senderNonce)!)).toEqual(nonce);
      expect(berContent(d.attrs.get(OID.signingTime)!).toString()).toBe('300102030405Z');
      const far = dissect(buildCertRep({ ...base, status: PkiStatus.Pending, signingTime: new Date('2051-01-01T00:00:00Z') }));
      expect(far.attrs.get(OID.signingTime)!.tag).toBe(0x18); // GeneralizedTime from 2050 (RFC 5652 §11.3)
    });

    it('SUCCESS may carry only a CRL (the answer to GetCRL), read back by the client', () => {
      const crl = buildCrl({ issuer: pki.ca, issuerKey: pki.caKey, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86400_000), crlNumber: 7n, revoked: [], digest: 'sha256' });
      const der = buildCertRep({ ...base, status: PkiStatus.Success, success: { certificates: [], crls: [crl], recipient: pki.client, contentCipher: 'aes-128-cbc' } });
      const rep = readCertRep(der, pki.ra, pki.clientKey);
      expect(rep.status).toBe(PkiStatus.Success);
      expect(rep.certificates).toEqual([]);
      expect(rep.crls).toEqual([crl]);
    });

    it('refuses inconsistent input with ScepCodecError before signing', () => {
      const bad: CertRepInput[] = [
        { ...base, status: PkiStatus.Failure },
        { ...base, status: PkiStatus.Success },
        { ...base, status: PkiStatus.Pending, success: { certificates: [issued.der], recipient: pki.client, contentCipher: 'aes-128-cbc' } },
        { ...base, status: PkiStatus.Failure, failInfo: FailInfo.BadAlg, failInfoText: 'x'.repeat(500) },
        { ...base, status: PkiStatus.Pending, transactionIdEncoded: Buffer.from('13') },
        { ...base, status: PkiStatus.Pending, recipientNonce: Buffer.alloc(0) },
        { ...base, status: 7 as PkiStatus },
      ];
      for (const input of bad) {
        expect(() => buildCertRep(input)).toThrow(ScepCodecError);
      }
    });
  });
});

