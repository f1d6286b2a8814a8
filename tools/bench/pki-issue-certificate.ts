/**
 * CPU cost of issueCertificate (libs/pki) against the bare RSA signature it wraps.
 *
 *   TS_NODE_TRANSPILE_ONLY=1 npx ts-node tools/bench/pki-issue-certificate.ts [--n=3000] [--bits=2048]
 *
 * Prints per-call medians (µs) of: crypto.sign alone over a TBS of the same size, crypto.verify (the
 * builder's verify-after-sign check), issueCertificate (encode + sign + verify), and the differences.
 * Also parseCsr for reference. Single process, one core, no I/O. Medians are stable; p90s move with load.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSelfSignedCaCertificate, issueCertificate, randomSerial } from '../../libs/pki/src/certificate-builder';
import type { CertificateInfo } from '../../libs/pki/src/certificate-info';
import { parseCsr } from '../../libs/pki/src/csr';
import { encodeDistinguishedName } from '../../libs/pki/src/name';

const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const N = arg('n', 3000);
const BITS = arg('bits', 2048);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label: string, fn: () => void): number {
  for (let i = 0; i < Math.min(500, N); i++) fn(); // warm-up (JIT, OpenSSL caches)
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const m = median(samples);
  console.log(`${label.padEnd(44)} median ${m.toFixed(1).padStart(8)} µs   p90 ${samples.sort((a, b) => a - b)[Math.floor(N * 0.9)].toFixed(1).padStart(8)} µs`);
  return m;
}

const caKeys = generateKeyPairSync('rsa', { modulusLength: BITS });
const now = Date.now();
const caDer = buildSelfSignedCaCertificate({
  subjectDer: encodeDistinguishedName('CN=Bench CA,O=Acme,C=US'),
  keyPair: caKeys,
  notBefore: new Date(now),
  notAfter: new Date(now + 3650 * 86_400_000),
  digest: 'sha256',
  serial: randomSerial(),
});
// The issuer fields issueCertificate reads; built by hand so the bench does not depend on readCertificate.
const caSpki = caKeys.publicKey.export({ type: 'spki', format: 'der' });
const issuer = {
  der: caDer,
  subjectDer: encodeDistinguishedName('CN=Bench CA,O=Acme,C=US'),
  spkiDer: caSpki,
  publicKey: caKeys.publicKey,
  isCA: true,
} as unknown as CertificateInfo;

const pem = readFileSync(join(__dirname, '../../libs/pki/src/__fixtures__/csr/rsa2048-printable.csr.pem'), 'utf8');
const csrDer = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
const csr = parseCsr(csrDer);

const request = () => ({
  issuer,
  issuerKey: caKeys.privateKey,
  subjectDer: csr.subjectDer,
  subjectSpkiDer: csr.spkiDer,
  serial: randomSerial(),
  notBefore: new Date(now),
  notAfter: new Date(now + 365 * 86_400_000),
  digest: 'sha256' as const,
  keyUsage: ['digitalSignature', 'keyEncipherment'] as const,
  extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
  subjectAltNameDer: csr.subjectAltNameDer,
  crlDistributionPoints: ['http://crl.example.com/bench.crl'],
});

const sample = issueCertificate(request());
const tbsLength = sample.length - 4 - 15 - 5 - BITS / 8; // certificate minus outer header, sigAlg, BIT STRING
const tbs = Buffer.alloc(tbsLength, 0x5a);

console.log(`RSA-${BITS}, n=${N}, certificate ${sample.length} bytes, Node ${process.version}`);
const bare = measure('crypto.sign(sha256) alone', () => sign('sha256', tbs, caKeys.privateKey));
const signature = sign('sha256', tbs, caKeys.privateKey);
const check = measure('crypto.verify (the verify-after-sign check)', () => verify('sha256', tbs, caKeys.publicKey, signature));
const full = measure('issueCertificate (SAN, EKU, CRLDP)', () => issueCertificate(request()));
measure('issueCertificate (KU only, like an RA cert)', () =>
  issueCertificate({ ...request(), extendedKeyUsage: [], subjectAltNameDer: undefined, crlDistributionPoints: undefined }),
);
measure('parseCsr (rsa2048-printable, for reference)', () => parseCsr(csrDer));
console.log(`overhead of issueCertificate beyond the RSA signature: ${(full - bare).toFixed(1)} µs`);
console.log(`  of which encoding/validation in JS (minus the native verify): ${(full - bare - check).toFixed(1)} µs`);
