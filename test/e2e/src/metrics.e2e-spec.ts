import fs from 'node:fs';
import path from 'node:path';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { type Sample, find, parseExposition } from './support/prometheus-text';
import { runScepclient, scepclientAvailable } from './support/scepclient';

const SERVICES = ['scep-gateway', 'admin-api', 'policy-service', 'signer-worker', 'challenge-service'] as const;
type Service = (typeof SERVICES)[number];

/** What the dashboards and alert rules use (deploy/observability/metrics-used.json). */
const metricsUsed = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'deploy', 'observability', 'metrics-used.json'), 'utf8')) as {
  exportedByServices: Array<{ name: string; service: string }>;
  fromPrometheus: Array<{ name: string }>;
  fromKubeStateMetrics: Array<{ name: string }>;
};

const available = scepclientAvailable();
const describeIfClient = available ? describe : describe.skip;

/**
 * The operations listeners of the real stack after one real enrollment (micromdm's scepclient): every service's
 * /metrics parsed, names AND label values checked against docs/operations/service-interfaces.md, and every metric
 * the dashboards and alert rules use exported by some running service.
 */
describeIfClient('metrics of every service after one real enrollment (scepclient)', () => {
  const stack = new E2eStack();
  const challenge = randomChallenge();
  const scrapes = new Map<Service, { text: string; samples: Sample[]; types: Map<string, string> }>();
  const one = (service: Service, name: string, labels: Record<string, string>): Sample => {
    const found = find(scrapes.get(service)?.samples ?? [], name, labels);
    if (found.length !== 1) throw new Error(`${service}: ${found.length} samples of ${name} ${JSON.stringify(labels)}`);
    return found[0] as Sample;
  };

  beforeAll(async () => {
    await stack.start();
    const { profile } = await stack.tenantProfile('acme', 'laptops', challenge);
    const result = await runScepclient({ url: profile.scepUrl, challenge, cn: 'metrics-device', timeoutMs: 120_000 });
    expect(result.code).toBe(0);
    // The policy service records issued certificates in batches, within a few tens of milliseconds: poll (bounded).
    const deadline = Date.now() + 15_000;
    for (;;) {
      for (const service of SERVICES) {
        const text = await (await fetch(`${stack.opsUrl(service)}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
        scrapes.set(service, { text, ...parseExposition(text) });
      }
      const issued = find(scrapes.get('policy-service')?.samples ?? [], 'scep_certificates_issued_total', { tenant: 'acme', profile: 'laptops' });
      if (issued[0]?.value === 1 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 240_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it('gateway: the enrollment by operation, messageType, pkiStatus, failInfo, HTTP status, tenant and profile, with its latency', () => {
    expect(one('scep-gateway', 'scep_requests_total', { operation: 'PKIOperation', message_type: 'PKCSReq', pki_status: 'SUCCESS', fail_info: 'none', http_status: '200', tenant: 'acme', profile: 'laptops' }).value).toBe(1);
    expect(one('scep-gateway', 'scep_requests_total', { operation: 'GetCACert', message_type: 'none', pki_status: 'none', fail_info: 'none', http_status: '200', tenant: 'acme', profile: 'laptops' }).value).toBeGreaterThanOrEqual(1);
    expect(one('scep-gateway', 'scep_request_duration_seconds_count', { operation: 'PKIOperation', message_type: 'PKCSReq', tenant: 'acme', profile: 'laptops' }).value).toBe(1);
    expect(one('scep-gateway', 'scep_request_duration_seconds_sum', { operation: 'PKIOperation', message_type: 'PKCSReq', tenant: 'acme', profile: 'laptops' }).value).toBeGreaterThan(0);
    expect(one('scep-gateway', 'scep_request_duration_seconds_bucket', { operation: 'PKIOperation', message_type: 'PKCSReq', tenant: 'acme', profile: 'laptops', le: '+Inf' }).value).toBe(1);
    expect(one('scep-gateway', 'scep_rpc_client_duration_seconds_count', { method: 'enrollment.submit', outcome: 'ok' }).value).toBeGreaterThanOrEqual(1);
    expect(one('scep-gateway', 'scep_requests_throttled_total', { reason: 'locked' }).value).toBe(0);
    expect(one('scep-gateway', 'scep_requests_throttled_total', { reason: 'failure_budget' }).value).toBe(0);
    // The profile's RA (issued with its CA just now): about a year or more ahead.
    expect(one('scep-gateway', 'scep_ra_certificate_expiry_seconds', { generation: 'active', tenant: 'acme', profile: 'laptops' }).value).toBeGreaterThan(30 * 86_400);
    // Nothing else was asked: no FAILURE, no other status.
    const others = find(scrapes.get('scep-gateway')?.samples ?? [], 'scep_requests_total').filter((s) => s.labels.http_status !== '200' || s.labels.pki_status === 'FAILURE');
    expect(others).toEqual([]);
  });

  it('policy: the decision, the issued certificate (once), the signing time, the queue and the challenge call', () => {
    expect(one('policy-service', 'scep_policy_decisions_total', { outcome: 'approve', tenant: 'acme', profile: 'laptops' }).value).toBe(1);
    expect(one('policy-service', 'scep_certificates_issued_total', { tenant: 'acme', profile: 'laptops' }).value).toBe(1);
    expect(one('policy-service', 'scep_signing_duration_seconds_count', {}).value).toBe(1);
    expect(one('policy-service', 'scep_signing_duration_seconds_sum', {}).value).toBeGreaterThan(0);
    for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(one('policy-service', 'scep_signing_queue_jobs', { state }).value).toBeGreaterThanOrEqual(0);
    expect(one('policy-service', 'scep_signing_queue_oldest_job_age_seconds', {}).value).toBe(0);
    expect(one('policy-service', 'scep_rpc_client_duration_seconds_count', { method: 'challenge.verify', outcome: 'ok' }).value).toBe(1);
    expect(find(scrapes.get('policy-service')?.samples ?? [], 'scep_policy_rule_failures_total')).toEqual([]);
  });

  it('challenge service: the accepted static challenge', () => {
    expect(one('challenge-service', 'scep_challenge_verifications_total', { mode: 'static', decision: 'accept', reason: 'none' }).value).toBe(1);
    expect(one('challenge-service', 'scep_challenge_verification_duration_seconds_count', { mode: 'static' }).value).toBe(1);
  });

  it('admin API: requests by route pattern (never a raw path), method and status; CA expiry by tenant and CA name', () => {
    const admin = scrapes.get('admin-api')?.samples ?? [];
    expect(one('admin-api', 'scep_admin_requests_total', { route: '/v1/tenants', method: 'POST', status: '201' }).value).toBe(1);
    expect(one('admin-api', 'scep_admin_requests_total', { route: '/v1/tenants/:tenant/cas', method: 'POST', status: '201' }).value).toBe(1);
    expect(one('admin-api', 'scep_admin_requests_total', { route: '/v1/tenants/:tenant', method: 'GET', status: '404' }).value).toBe(1);
    expect(one('admin-api', 'scep_admin_request_duration_seconds_count', { route: '/v1/tenants/:tenant/cas', method: 'POST' }).value).toBe(1);
    expect(find(admin, 'scep_admin_requests_total').filter((s) => /acme|laptops/.test(s.labels.route ?? ''))).toEqual([]);
    expect(one('admin-api', 'scep_ca_certificate_expiry_seconds', { tenant: 'acme', ca: 'acme-ca' }).value).toBeGreaterThan(30 * 86_400);
    expect(one('admin-api', 'scep_rpc_client_duration_seconds_count', { method: 'challenge.set-static', outcome: 'ok' }).value).toBe(1);
    // Registered before any revocation exists (the revocation API calls CertificateMetrics.revoked).
    expect(scrapes.get('admin-api')?.types.get('scep_certificates_revoked_total')).toBe('counter');
  });

  it('every service: standard process and Node.js metrics under their usual names, and nothing secret', () => {
    const secrets = [...stack.secretValues(), challenge];
    for (const service of SERVICES) {
      const { samples, text } = scrapes.get(service) ?? { samples: [], text: '' };
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
        expect({ service, name, found: find(samples, name).length }).toEqual({ service, name, found: 1 });
      }
      for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    }
  });

  it('exports every metric the dashboards and alert rules use (deploy/observability/metrics-used.json)', () => {
    const exported = new Map<string, Service[]>();
    for (const service of SERVICES) for (const name of scrapes.get(service)?.types.keys() ?? []) exported.set(name, [...(exported.get(name) ?? []), service]);
    const missing = metricsUsed.exportedByServices.map((m) => m.name).filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
    // Each by the service the interfaces document names (the signer's own counter aside, every row names one or more).
    const serviceOf: Record<string, Service> = { gateway: 'scep-gateway', policy: 'policy-service', 'admin-api': 'admin-api', challenge: 'challenge-service', signer: 'signer-worker' };
    for (const metric of metricsUsed.exportedByServices) {
      const expected = metric.service.split(/[ ,(]+/).map((word) => serviceOf[word]).filter((s): s is Service => s !== undefined);
      if (expected.length === 0) continue; // "every service (process and Node.js metrics)": checked above
      expect({ name: metric.name, by: exported.get(metric.name) }).toEqual({ name: metric.name, by: expect.arrayContaining(expected) });
    }
    expect(metricsUsed.fromPrometheus.map((m) => m.name)).toEqual(['up']);
  });

  it('serves liveness and readiness on the same listener', async () => {
    for (const service of SERVICES) {
      const health = await fetch(`${stack.opsUrl(service)}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect({ service, status: health.status, body: await health.json() }).toEqual({ service, status: 200, body: { status: 'ok' } });
      const ready = await fetch(`${stack.opsUrl(service)}/readyz`, { signal: AbortSignal.timeout(10_000) });
      expect({ service, status: ready.status }).toEqual({ service, status: 200 });
    }
  });
});

if (!available) {
  it('metrics e2e skipped: /usr/bin/scepclient not installed (apt-get install scep)', () => undefined);
}
