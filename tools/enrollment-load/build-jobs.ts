/**
 * The CPU-heavy preparation the load generator does before any timed phase: RSA key generation and request
 * building (one CSR signature and one pkiMessage signature per request). Pure functions of their input, so they
 * run the same in a worker thread (build-worker.ts) or inline.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { MessageType, buildPkiRequest } from '@scep/codec';
import { importPrivateKeyPkcs8, readCertificate } from '@scep/pki';
import { csrWithChallenge, selfSignedCertificate } from './device-identity';

/** One pool key: PKCS#8 DER and the self-signed certificate the device signs its requests with. */
export interface PoolKey {
  readonly pkcs8: Buffer;
  readonly certificateDer: Buffer;
}

export interface KeysJob {
  readonly kind: 'keys';
  readonly count: number;
  readonly firstIndex: number;
}

export interface RequestsJob {
  readonly kind: 'requests';
  readonly keys: readonly PoolKey[];
  /** Which pool key and which subject each request uses. */
  readonly items: ReadonlyArray<{ readonly keyIndex: number; readonly subject: string }>;
  readonly recipientsDer: readonly Buffer[];
  readonly challenge: string;
}

export interface BuiltRequest {
  readonly keyIndex: number;
  readonly transactionId: string;
  readonly der: Buffer;
}

export type BuildJob = KeysJob | RequestsJob;

export function generatePoolKeys(job: KeysJob): PoolKey[] {
  return Array.from({ length: job.count }, (_, i) => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    return {
      pkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }),
      certificateDer: selfSignedCertificate(privateKey, `load-device-${job.firstIndex + i}`),
    };
  });
}

/** PKCSReq as RFC 8894 clients send it: AES-128-CBC envelope to the RA (and CA), SHA-256, signed by the device. */
export function buildRequests(job: RequestsJob): BuiltRequest[] {
  const recipients = job.recipientsDer.map((der) => readCertificate(der));
  const keys = new Map<number, { key: ReturnType<typeof importPrivateKeyPkcs8>; certificate: ReturnType<typeof readCertificate> }>();
  const device = (index: number) => {
    let d = keys.get(index);
    if (!d) {
      const pool = job.keys[index];
      if (!pool) throw new Error(`no pool key ${index}`);
      d = { key: importPrivateKeyPkcs8(pool.pkcs8), certificate: readCertificate(pool.certificateDer) };
      keys.set(index, d);
    }
    return d;
  };
  return job.items.map(({ keyIndex, subject }) => {
    const { key, certificate } = device(keyIndex);
    const transactionId = randomBytes(16).toString('hex').toUpperCase();
    const der = buildPkiRequest({
      messageType: MessageType.PKCSReq,
      transactionId,
      messageData: csrWithChallenge(key, subject, job.challenge),
      signerCertificate: certificate,
      signerKey: key,
      recipients,
      contentCipher: 'aes-128-cbc',
      digestAlgorithm: 'sha256',
    });
    return { keyIndex, transactionId, der };
  });
}

export function runBuildJob(job: BuildJob): PoolKey[] | BuiltRequest[] {
  return job.kind === 'keys' ? generatePoolKeys(job) : buildRequests(job);
}

/** Which key and subject each of `count` requests uses: keys round-robin over the pool, subjects unique in the run. */
export function planRequests(count: number, poolSize: number, firstNumber: number, label: string): RequestsJob['items'] {
  return Array.from({ length: count }, (_, i) => ({
    keyIndex: (firstNumber + i) % poolSize,
    subject: `CN=${label}-${firstNumber + i},O=scep-load`,
  }));
}
