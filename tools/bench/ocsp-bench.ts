/**
 * OCSP figures (`npm run bench -- --ocsp`): requests fired at the gateway's responder of the dev CA
 * (/ocsp/{tenantId}/{caId}, RFC 6960 A.1 POST) with `c` in flight, after a few enrollments so that there are
 * certificates to ask about (one of them revoked through the admin API). Two phases:
 *  - without a nonce (what RFC 5019 clients send; answered from the gateway's cache, which is the point of it);
 *  - with a fresh nonce each (answered and signed by the policy service every time, RFC 8954).
 * Prints requests/s, p50/p99 latency and server CPU ms per response per process, like the enrollment phases.
 * Every answer is checked: HTTP 200, application/ocsp-response, responseStatus successful; anything else is counted.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type CertificateInfo, berChildren, berContent, derWriter as der, pemToDer, readBerStrict, readCertificate } from '@scep/pki';
import { type HttpClient, percentile } from '../enrollment-load';
import { throwIfInterrupted } from '../lifecycle';
import { CpuMeter } from '../proc-accounting';
import type { CpuRow } from './measure-phase';
import type { OurStack } from './our-stack';

export interface OcspPhaseResult {
  readonly label: string;
  readonly concurrency: number;
  readonly sent: number;
  readonly successes: number;
  readonly wallSeconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpu: CpuRow[];
  readonly totalCpuPerResponseMs: number;
  readonly loadGeneratorCpuPerResponseMs: number;
  readonly outcomes: Record<string, number>;
}

interface DevCa {
  readonly url: string;
  readonly ca: CertificateInfo;
  readonly serials: string[];
}

async function admin(stack: OurStack, method: 'GET' | 'POST', route: string, body?: unknown): Promise<Record<string, unknown>> {
  const secrets = JSON.parse(fs.readFileSync(path.join(stack.devHome, 'dev-secrets.json'), 'utf8')) as { ADMIN_BOOTSTRAP_API_KEY: string };
  const response = await fetch(`${stack.adminUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${secrets.ADMIN_BOOTSTRAP_API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`${method} ${route} -> ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** The dev tenant's CA, its responder URL and the serials issued so far (one of them revoked for the figures). */
export async function devCa(stack: OurStack, gatewayUrl: string): Promise<DevCa> {
  const tenant = await admin(stack, 'GET', '/v1/tenants/dev');
  const cas = (await admin(stack, 'GET', '/v1/tenants/dev/cas')).items as Array<{ id: string; certificatePem: string }>;
  const ca = cas[0];
  if (!ca) throw new Error('the dev tenant has no CA');
  const certificates = (await admin(stack, 'GET', `/v1/tenants/dev/certificates?limit=100`)).items as Array<{ serialNumber: string; caId: string; revoked: boolean }>;
  const serials = certificates.filter((c) => c.caId === ca.id).map((c) => c.serialNumber);
  if (serials.length < 2) throw new Error('need at least two issued certificates of the dev CA');
  const first = certificates.find((c) => c.caId === ca.id && !c.revoked);
  if (first) await admin(stack, 'POST', `/v1/tenants/dev/certificates/${first.serialNumber}/revoke`, { reason: 'superseded', comment: 'bench' });
  return { url: `${gatewayUrl}/ocsp/${tenant.id as string}/${ca.id}`, ca: readCertificate(pemToDer(ca.certificatePem, 'CERTIFICATE')), serials };
}

/** An OCSPRequest for one serial of the CA (SHA-1 CertID, as OpenSSL and most clients send), with or without a nonce. */
export function ocspRequest(ca: CertificateInfo, serialHex: string, nonce?: Buffer): Buffer {
  // issuerKeyHash: SHA-1 of the subjectPublicKey BIT STRING value (RFC 6960 §4.1.1), i.e. the CA's key identifier input.
  const issuerKeyHash = ca.publicKeySha1 ?? Buffer.alloc(20);
  const certId = der.sequence(
    der.algorithmIdentifier('1.3.14.3.2.26'),
    der.octetString(createHash('sha1').update(ca.subjectDer).digest()),
    der.octetString(issuerKeyHash),
    der.integerFromContent(Buffer.from(serialHex, 'hex')),
  );
  const extensions = nonce ? [der.tlv(der.contextTag(2, true), der.sequence(der.sequence(der.oid('1.3.6.1.5.5.7.48.1.2'), der.octetString(der.octetString(nonce)))))] : [];
  return der.sequence(der.sequence(der.sequence(der.sequence(certId)), ...extensions));
}

/** One timed phase: `requests` OCSP requests, `concurrency` in flight (closed loop), CPU of the stack around it. */
export async function measureOcspPhase(
  client: HttpClient,
  stack: OurStack,
  target: DevCa,
  spec: { label: string; concurrency: number; requests: number; warmup: number; nonce: boolean },
): Promise<OcspPhaseResult> {
  const build = (i: number) => ocspRequest(target.ca, target.serials[i % target.serials.length] as string, spec.nonce ? randomBytes(16) : undefined);
  const bodies = Array.from({ length: spec.warmup + spec.requests }, (_, i) => build(i));
  const outcomes = new Map<string, number>();
  const latencies: number[] = [];
  const fire = async (list: Buffer[], record: boolean) => {
    let next = 0;
    const worker = async () => {
      for (;;) {
        const body = list[next++];
        if (!body) return;
        const t0 = performance.now();
        let label: string;
        try {
          const reply = await client.request(target.url, { method: 'POST', body, timeoutMs: 30_000 });
          const status = reply.status === 200 && reply.contentType === 'application/ocsp-response' ? responseStatus(reply.body) : undefined;
          label = status === 0 ? 'successful' : `HTTP ${reply.status}${status !== undefined ? ` responseStatus ${status}` : ''}`;
        } catch (error) {
          label = `transport ${(error as { code?: string }).code ?? 'error'}`;
        }
        if (record) {
          outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
          if (label === 'successful') latencies.push(performance.now() - t0);
        }
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
  };
  await fire(bodies.slice(0, spec.warmup), false);
  const meter = new CpuMeter(stack.groups());
  meter.start();
  const started = performance.now();
  await fire(bodies.slice(spec.warmup), true);
  const wallMs = performance.now() - started;
  const used = meter.stop();
  throwIfInterrupted();
  const successes = outcomes.get('successful') ?? 0;
  const per = (ms: number) => (successes ? ms / successes : NaN);
  const cpu = used.groups.map((g) => ({ name: g.name, cpuMs: g.cpuMs, perEnrollmentMs: per(g.cpuMs), processes: g.processes }));
  latencies.sort((a, b) => a - b);
  return {
    label: spec.label,
    concurrency: spec.concurrency,
    sent: spec.requests,
    successes,
    wallSeconds: wallMs / 1000,
    requestsPerSecond: successes / (wallMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpu,
    totalCpuPerResponseMs: per(cpu.reduce((sum, row) => sum + row.cpuMs, 0)),
    loadGeneratorCpuPerResponseMs: per(used.selfCpuMs),
    outcomes: Object.fromEntries(outcomes),
  };
}

/** OCSPResponse.responseStatus (RFC 6960 §4.2.1), undefined when the body is not an OCSPResponse. */
function responseStatus(body: Buffer): number | undefined {
  try {
    const [status] = berChildren(readBerStrict(body), 2);
    return status?.tag === 0x0a ? berContent(status)[0] : undefined;
  } catch {
    return undefined;
  }
}

const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** One column per phase, as the enrollment table (bench-report.ts). */
export function ocspTable(phases: readonly OcspPhaseResult[]): string {
  const names: string[] = [];
  for (const p of phases) for (const row of p.cpu) if (!names.includes(row.name)) names.push(row.name);
  const rows: string[][] = [
    ['timed OCSP requests sent', ...phases.map((p) => String(p.sent))],
    ['successful responses', ...phases.map((p) => String(p.successes))],
    ['responses/s', ...phases.map((p) => fmt(p.requestsPerSecond, 0))],
    ['p50 latency (ms)', ...phases.map((p) => fmt(p.p50Ms, 2))],
    ['p99 latency (ms)', ...phases.map((p) => fmt(p.p99Ms, 2))],
    ['CPU ms per response:', ...phases.map(() => '')],
    ...names.map((name) => [`  ${name}`, ...phases.map((p) => fmt(p.cpu.find((r) => r.name === name)?.perEnrollmentMs ?? NaN, 3))]),
    ['  total (server side)', ...phases.map((p) => fmt(p.totalCpuPerResponseMs, 3))],
    ['  load generator', ...phases.map((p) => fmt(p.loadGeneratorCpuPerResponseMs, 3))],
  ];
  const header = ['', ...phases.map((p) => p.label)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const outcomes = phases.map((p) => `  ${p.label}: ${Object.entries(p.outcomes).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  return `${[line(header), ...rows.map(line)].join('\n')}\noutcomes per kind:\n${outcomes.join('\n')}`;
}
