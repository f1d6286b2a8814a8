// A CA, certificates and signed SCEP requests made in process for integration tests that need real ones (a renewal
// signed by a certificate the issuance store holds) without a signer or a client.
import { type KeyObject, generateKeyPairSync } from 'node:crypto';
import { type MessageType, buildPkiRequest } from '@scep/codec';
import { type CertificateInfo, buildSelfSignedCaCertificate, derWriter, issueCertificate, randomSerial, readCertificate } from '@scep/pki';
import { nameOf } from './csr-builder';

export interface TestCa {
  readonly certificate: CertificateInfo;
  readonly key: KeyObject;
}

export interface HeldTestCertificate {
  readonly certificate: CertificateInfo;
  readonly key: KeyObject;
}

const DAY_MS = 86_400_000;

function rsaKeyPair() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

export function testCa(commonName = 'Test CA'): TestCa {
  const keyPair = rsaKeyPair();
  const now = Date.now();
  const der = buildSelfSignedCaCertificate({
    subjectDer: nameOf(commonName),
    keyPair,
    notBefore: new Date(Math.floor(now / 1000) * 1000 - DAY_MS),
    notAfter: new Date(Math.floor(now / 1000) * 1000 + 3650 * DAY_MS),
    digest: 'sha256',
    serial: randomSerial(),
  });
  return { certificate: readCertificate(der), key: keyPair.privateKey };
}

/** A client certificate the CA issued for `key` (a fresh RSA-2048 key when omitted). */
export function issueTestCertificate(
  ca: TestCa,
  options: { subject?: string[]; dnsNames?: readonly string[]; notBefore?: Date; notAfter?: Date; key?: { privateKey: KeyObject; publicKey: KeyObject } } = {},
): HeldTestCertificate {
  const keyPair = options.key ?? rsaKeyPair();
  const now = Math.floor(Date.now() / 1000) * 1000;
  const der = issueCertificate({
    issuer: ca.certificate,
    issuerKey: ca.key,
    subjectDer: nameOf(...(options.subject ?? ['device', 'Acme'])),
    subjectSpkiDer: keyPair.publicKey.export({ type: 'spki', format: 'der' }),
    serial: randomSerial(),
    notBefore: options.notBefore ?? new Date(now - DAY_MS),
    notAfter: options.notAfter ?? new Date(now + 20 * DAY_MS),
    digest: 'sha256',
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
    ...(options.dnsNames?.length
      ? { subjectAltNameDer: derWriter.sequence(...options.dnsNames.map((d) => derWriter.tlv(0x82, Buffer.from(d, 'latin1')))) }
      : {}),
  });
  return { certificate: readCertificate(der), key: keyPair.privateKey };
}

/** A pkiMessage signed by `signer` carrying `messageData` enveloped to `recipient` (as a client renews). */
export function signedTestRequest(input: {
  readonly signer: HeldTestCertificate;
  readonly recipient: CertificateInfo;
  readonly transactionId: string;
  readonly messageType: MessageType;
  readonly messageData: Buffer;
}): Buffer {
  return buildPkiRequest({
    messageType: input.messageType,
    transactionId: input.transactionId,
    messageData: input.messageData,
    signerCertificate: input.signer.certificate,
    signerKey: input.signer.key,
    recipients: [input.recipient],
    contentCipher: 'aes-128-cbc',
    digestAlgorithm: 'sha256',
  });
}
