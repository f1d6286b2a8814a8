import { spawnSync } from 'node:child_process';
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  type ContentCipher,
  type DigestName,
  MessageType,
  buildPkiRequest,
  encodeIssuerAndSerialNumber,
  encodeIssuerAndSubject,
  readCertRep,
  readCertsOnly,
} from '@scep/codec';
import { type CertificateInfo, pemToDer, readCertificate } from '@scep/pki';
import { scratchDir } from './scratch-dir';

/** A device identity made with openssl: key, self-signed certificate and a CSR carrying the challenge. */
export interface DeviceIdentity {
  readonly key: KeyObject;
  readonly certificate: CertificateInfo;
  readonly csrDer: Buffer;
}

export function makeDevice(cn: string, challenge: string | undefined, bits = 2048): DeviceIdentity {
  const dir = scratchDir('device-');
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  fs.writeFileSync(
    path.join(dir, 'req.cnf'),
    `[req]\nprompt = no\ndistinguished_name = dn\n${challenge !== undefined ? 'attributes = attrs\n' : ''}[dn]\nCN = ${cn}\nO = E2E\n[attrs]\nchallengePassword = ${challenge ?? ''}\n`,
  );
  run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', 'key.pem']);
  run(['req', '-new', '-key', 'key.pem', '-config', 'req.cnf', '-outform', 'DER', '-out', 'csr.der']);
  run(['req', '-new', '-x509', '-key', 'key.pem', '-subj', `/CN=${cn}`, '-days', '2', '-out', 'self.pem']);
  return {
    key: createPrivateKey(fs.readFileSync(path.join(dir, 'key.pem'))),
    certificate: readCertificate(pemToDer(fs.readFileSync(path.join(dir, 'self.pem'), 'utf8'))),
    csrDer: fs.readFileSync(path.join(dir, 'csr.der')),
  };
}

export interface RaMaterial {
  readonly ra: CertificateInfo;
  readonly ca: CertificateInfo;
  readonly bag: Buffer;
  readonly contentType: string | null;
}

export async function getCaCert(scepUrl: string): Promise<RaMaterial> {
  const response = await fetch(`${scepUrl}?operation=GetCACert&message=anything`);
  const bag = Buffer.from(await response.arrayBuffer());
  const { certificates } = readCertsOnly(bag);
  return { ra: readCertificate(certificates[0] as Buffer), ca: readCertificate(certificates[1] as Buffer), bag, contentType: response.headers.get('content-type') };
}

export interface RequestOptions {
  readonly transactionId?: string;
  readonly senderNonce?: Buffer;
  readonly cipher?: ContentCipher;
  readonly digest?: DigestName;
  readonly messageType?: MessageType;
  readonly messageData?: Buffer;
  /** Signer other than the device (to test PoP / poll authorization). */
  readonly signer?: { certificate: CertificateInfo; key: KeyObject };
}

export function pkcsReq(device: DeviceIdentity, ra: RaMaterial, options: RequestOptions = {}) {
  const transactionId = options.transactionId ?? randomBytes(16).toString('hex').toUpperCase();
  const senderNonce = options.senderNonce ?? randomBytes(16);
  const der = buildPkiRequest({
    messageType: options.messageType ?? MessageType.PKCSReq,
    transactionId,
    senderNonce,
    messageData: options.messageData ?? device.csrDer,
    signerCertificate: options.signer?.certificate ?? device.certificate,
    signerKey: options.signer?.key ?? device.key,
    recipients: [ra.ra, ra.ca],
    contentCipher: options.cipher ?? 'aes-256-cbc',
    digestAlgorithm: options.digest ?? 'sha256',
  });
  return { der, transactionId, senderNonce };
}

export function certPoll(device: DeviceIdentity, ra: RaMaterial, transactionId: string, options: RequestOptions = {}) {
  return pkcsReq(device, ra, {
    ...options,
    transactionId,
    messageType: MessageType.CertPoll,
    messageData: encodeIssuerAndSubject({ issuerDer: ra.ca.subjectDer, subjectDer: device.certificate.subjectDer }),
  });
}

export async function postPkiOperation(scepUrl: string, body: Buffer, contentType?: string) {
  const response = await fetch(`${scepUrl}?operation=PKIOperation`, {
    method: 'POST',
    body,
    headers: contentType ? { 'content-type': contentType } : {},
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: Object.fromEntries(response.headers) as Record<string, string>,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

export function read(reply: Buffer, ra: RaMaterial, device: DeviceIdentity, key?: KeyObject) {
  return readCertRep(reply, ra.ra, key ?? device.key);
}

/** A certificate a device holds with its key: what renewal and GetCert requests are signed with. */
export interface HeldCertificate {
  readonly certificate: CertificateInfo;
  readonly key: KeyObject;
}

export function held(certificateDer: Buffer, key: KeyObject): HeldCertificate {
  return { certificate: readCertificate(certificateDer), key };
}

/** GetCert (21) or GetCRL (22) for issuer + serial, signed by `requester`. */
export function issuerAndSerialRequest(
  messageType: MessageType.GetCert | MessageType.GetCRL,
  requester: HeldCertificate,
  ra: RaMaterial,
  issuerDer: Buffer,
  serialNumber: Buffer,
) {
  const holder: DeviceIdentity = { key: requester.key, certificate: requester.certificate, csrDer: Buffer.alloc(0) };
  return pkcsReq(holder, ra, { messageType, messageData: encodeIssuerAndSerialNumber({ issuerDer, serialNumber }) });
}
