/**
 * Codec hot-path benchmark (RSA-2048, one core). Prints per-operation figures; asserts nothing (house style).
 *
 *   npx ts-node -T -r tsconfig-paths/register tools/bench/codec-bench.ts [--seconds 1]
 *
 * Uses the test fixtures (test/fixtures/scep: RA/CA/client keys made by openssl, a real micromdm scepclient request).
 * The "raw RSA" lines are the floor: an enrollment needs one RSA decryption (the CEK) and one RSA signature
 * (the CertRep) on the RA, plus one signature on the CA for the certificate (not measured here: pki lib).
 */
import { constants, createPrivateKey, privateDecrypt, publicEncrypt, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as asn1js from 'asn1js';
import { pemToDer, readCertificate } from '@scep/pki';
import {
  buildCertRep,
  buildPkiRequest,
  MessageType,
  openEnvelope,
  parsePkiMessage,
  PkiStatus,
  verifyPkiMessage,
} from '@scep/codec';

const fixtures = resolve(__dirname, '../../test/fixtures/scep');
const text = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 1;

const ra = readCertificate(pemToDer(text('ra.crt.pem')));
const raKey = createPrivateKey(text('ra.key.pem'));
const client = readCertificate(pemToDer(text('client.crt.pem')));
const clientKey = createPrivateKey(text('client.key.pem'));
const issued = pemToDer(text('issued.crt.pem'));
const csr = readFileSync(join(fixtures, 'client.csr.der'));
const recipients = [{ certificate: ra, privateKey: raKey }];

const modernRequest = buildPkiRequest({
  messageType: MessageType.PKCSReq,
  transactionId: 'B2A1C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4',
  messageData: csr,
  signerCertificate: client,
  signerKey: clientKey,
  recipients: [ra],
  contentCipher: 'aes-256-cbc',
  digestAlgorithm: 'sha256',
});
const scepclientRequest = readFileSync(join(fixtures, 'scepclient-2.1.0/pkcsreq-rsa2048-post.der'));

function bench(name: string, fn: () => unknown): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up (JIT)
  const samples: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const n = 50;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / n / 1000);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(`${name.padEnd(58)} ${median.toFixed(1).padStart(8)} µs/op ${Math.round(1e6 / median).toString().padStart(8)} op/s`);
  return median;
}

console.log(`Node ${process.version}, OpenSSL ${process.versions.openssl}, RSA-2048, median of ${seconds}s batches\n`);

console.log('-- floor: raw RSA (node:crypto)');
const block = publicEncrypt({ key: ra.publicKey, padding: constants.RSA_PKCS1_PADDING }, randomBytes(32));
const rsaDecrypt = bench('RSA private decrypt (RSA_NO_PADDING)', () => privateDecrypt({ key: raKey, padding: constants.RSA_NO_PADDING }, block));
const rsaSign = bench('RSA sign PKCS#1 v1.5 SHA-256', () => sign('sha256', csr, { key: raKey, padding: constants.RSA_PKCS1_PADDING }));

console.log('\n-- codec');
const parseVerify = bench('parse + verify request (AES-256/SHA-256, our client)', () => verifyPkiMessage(parsePkiMessage(modernRequest)));
bench('parse + verify request (scepclient 2.1.0, DES/SHA-1)', () => verifyPkiMessage(parsePkiMessage(scepclientRequest)));
bench('parse only (attributes read, nothing verified)', () => parsePkiMessage(modernRequest));
const parsed = parsePkiMessage(modernRequest);
const signer = verifyPkiMessage(parsed);
const envelope = parsed.content ?? Buffer.alloc(0);
const open = bench('open envelope (AES-256, CEK by RSA, CSR out)', () => openEnvelope(envelope, recipients));
const scepclientEnvelope = parsePkiMessage(scepclientRequest).content ?? Buffer.alloc(0);
bench('open envelope (scepclient: single DES, 2 recipients)', () => openEnvelope(scepclientEnvelope, recipients));
const build = bench('build SUCCESS CertRep (bag + seal + sign)', () =>
  buildCertRep({
    status: PkiStatus.Success,
    transactionIdEncoded: parsed.transactionIdEncoded,
    recipientNonce: parsed.senderNonce,
    digestAlgorithm: parsed.digestAlgorithm,
    signer: { certificate: ra, privateKey: raKey },
    success: { certificates: [issued], recipient: signer, contentCipher: 'aes-256-cbc' },
  }),
);
bench('build FAILURE CertRep', () =>
  buildCertRep({
    status: PkiStatus.Failure,
    failInfo: 2,
    transactionIdEncoded: parsed.transactionIdEncoded,
    recipientNonce: parsed.senderNonce,
    digestAlgorithm: parsed.digestAlgorithm,
    signer: { certificate: ra, privateKey: raKey },
  }),
);
bench('readCertificate (RA certificate)', () => readCertificate(ra.der));

console.log('\n-- reference');
const ab = new Uint8Array(modernRequest).buffer;
bench('asn1js.fromBER of the same request (decode only)', () => asn1js.fromBER(ab));

const codec = parseVerify + open + build;
const floor = rsaDecrypt + 2 * rsaSign; // RA decrypt + RA sign + CA sign (issuance)
console.log(`\ncodec total per enrollment (parse+verify, open, build): ${codec.toFixed(0)} µs`);
console.log(`raw RSA per enrollment (RA decrypt + RA sign + CA sign):  ${floor.toFixed(0)} µs`);
console.log(`codec total / raw RSA of its own two private operations:  ${(codec / (rsaDecrypt + rsaSign)).toFixed(2)}x`);
