// Test-only helpers for the pki specs: fixture loading, a tiny PEM codec (independent of der.ts) and an
// openssl CLI runner, so that vectors and verdicts come from a tool other than the code under test.
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { CertificateInfo } from '../certificate-info';
import { PkiError } from '../errors';

export const FIXTURES_DIR = __dirname;

export function pemToDerForTest(pem: string): Buffer {
  const match = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(pem);
  if (!match) throw new Error('no PEM block');
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

export function derToPemForTest(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export function readCsrFixture(name: string): Buffer {
  return pemToDerForTest(readFileSync(join(FIXTURES_DIR, 'csr', `${name}.csr.pem`), 'utf8'));
}

/** A scratch directory for openssl input/output files; call cleanup() in afterAll. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'pki-spec-'));

  write(name: string, data: string | Uint8Array): string {
    const path = join(this.dir, name);
    writeFileSync(path, data);
    return path;
  }

  read(name: string): string {
    return readFileSync(join(this.dir, name), 'utf8');
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface OpensslResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the openssl CLI; never throws on a non-zero exit (the status is part of the verdict). */
export function openssl(args: readonly string[], input?: Uint8Array | string): OpensslResult {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Binary stdout variant (for -outform DER). */
export function opensslBinary(args: readonly string[], input?: Uint8Array | string): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface TextExtension {
  readonly critical: boolean;
  readonly value: string;
}

/** The "X509v3 extensions" block of `openssl x509 -text`, keyed by extension name. */
export function parseOpensslExtensions(text: string): Map<string, TextExtension> {
  const out = new Map<string, TextExtension>();
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'X509v3 extensions:');
  if (start < 0) return out;
  let current: { name: string; critical: boolean; value: string[] } | undefined;
  const flush = () => {
    if (current) out.set(current.name, { critical: current.critical, value: current.value.join('\n') });
  };
  for (const line of lines.slice(start + 1)) {
    const header = /^ {12}(\S.*?):( critical)?\s*$/.exec(line);
    if (header) {
      flush();
      current = { name: header[1], critical: header[2] !== undefined, value: [] };
    } else if (/^ {16}/.test(line) && current) {
      current.value.push(line.trim());
    } else if (line.trim() === '' && current) {
      continue;
    } else {
      break;
    }
  }
  flush();
  return out;
}

/**
 * A CertificateInfo built with node's X509Certificate and pkijs, so the builder specs do not depend on
 * readCertificate (another module). Exact Name bytes come from pkijs' valueBeforeDecode.
 */
export function certificateInfoForTest(der: Buffer): CertificateInfo {
  const x509 = new X509Certificate(der);
  const cert = new pkijs.Certificate({ schema: asn1js.fromBER(der).result });
  const ski = cert.extensions?.find((e) => e.extnID === '2.5.29.14');
  const serialNumber = Buffer.from(cert.serialNumber.valueBlock.valueHexView);
  return {
    der,
    serialNumber,
    serialHex: x509.serialNumber.toUpperCase(),
    issuerDer: Buffer.from(cert.issuer.valueBeforeDecode),
    subjectDer: Buffer.from(cert.subject.valueBeforeDecode),
    issuer: x509.issuer,
    subject: x509.subject,
    ...(ski ? { subjectKeyIdentifier: Buffer.from((ski.parsedValue as asn1js.OctetString).valueBlock.valueHexView) } : {}),
    spkiDer: x509.publicKey.export({ type: 'spki', format: 'der' }),
    publicKey: x509.publicKey,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    isCA: x509.ca,
    selfIssued: x509.subject === x509.issuer,
  };
}

/** Runs `fn`, expects it to throw a PkiError with `code`, and returns the error for further checks. */
export function expectPkiError(fn: () => unknown, code: string): PkiError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(PkiError);
  expect((thrown as PkiError).code).toBe(code);
  return thrown as PkiError;
}
