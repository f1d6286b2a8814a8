// deploy/observability: alert rules (promtool), dashboards (generated, valid PromQL, known metrics only), the
// runbook anchors the alerts point at, and metrics-used.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  concreteExpr,
  dashboardExpressions,
  deriveMetricsUsed,
  loadDashboards,
  loadRules,
  metricNames,
  metricsUsedFile,
  panelsOf,
  rulesFile,
} from './support/metrics';
import { fromRoot, observabilityDir, toolsDir } from './support/paths';
import { promtool, run } from './support/tools';

const tool = promtool();
const withPromtool = 'path' in tool ? it : it.skip;
if (!('path' in tool)) {
  console.warn(`SKIPPED the promtool checks: promtool could not be obtained: ${tool.unavailable}. Set PROMTOOL=/path/to/promtool or run apt-get update.`);
}

/** GitHub's heading anchors. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return out;
}

const REQUIRED_ALERTS = [
  'ScepFailureRatioHigh',
  'ScepSigningQueueOldestJobAgeHigh',
  'ScepRaCertificateExpiringSoon',
  'ScepCaCertificateExpiringSoon',
  'ScepChallengeLockoutSpike',
  'ScepNoSuccessfulEnrollments',
  'ScepServiceNotReady',
];

describe('alert rules', () => {
  withPromtool('pass `promtool check rules`', () => {
    const result = run((tool as { path: string }).path, ['check', 'rules', rulesFile]);
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('cover the required conditions, each with for:, a severity and a runbook section that exists', () => {
    const rules = loadRules().groups.flatMap((g) => g.rules);
    const alerts = rules.filter((r) => r.alert);
    expect(alerts.map((r) => r.alert)).toEqual(expect.arrayContaining(REQUIRED_ALERTS));
    const runbook = anchors(readFileSync(fromRoot('docs', 'operations', 'runbook.md'), 'utf8'));
    for (const r of alerts) {
      const url = r.annotations?.runbook_url ?? '';
      expect({ alert: r.alert, for: Boolean(r.for), severity: r.labels?.severity, summary: Boolean(r.annotations?.summary) }).toEqual({
        alert: r.alert,
        for: true,
        severity: expect.stringMatching(/^(warning|critical)$/),
        summary: true,
      });
      expect({ alert: r.alert, url }).toEqual({ alert: r.alert, url: `docs/operations/runbook.md#${String(r.alert).toLowerCase()}` });
      expect({ alert: r.alert, anchorInRunbook: runbook.has(url.split('#')[1]) }).toEqual({ alert: r.alert, anchorInRunbook: true });
    }
  });

  it('the expiry alerts fire 30 days ahead', () => {
    const rules = loadRules().groups.flatMap((g) => g.rules);
    for (const [name, metric] of [
      ['ScepRaCertificateExpiringSoon', 'scep_ra_certificate_expiry_seconds'],
      ['ScepCaCertificateExpiringSoon', 'scep_ca_certificate_expiry_seconds'],
    ]) {
      const rule = rules.find((r) => r.alert === name);
      expect(rule?.expr).toContain(metric);
      expect(rule?.expr).toMatch(/<\s*30\s*\*\s*86400/);
    }
  });
});

describe('dashboards', () => {
  it('are what generate-dashboards.mjs produces', () => {
    const result = run(process.execPath, [path.join(observabilityDir, 'grafana', 'generate-dashboards.mjs'), '--check']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  withPromtool('hold valid PromQL (checked by promtool as recording rules)', () => {
    mkdirSync(toolsDir, { recursive: true });
    const dir = mkdtempSync(path.join(toolsDir, 'dashboards-'));
    try {
      const rules = loadDashboards().flatMap(({ dashboard }) =>
        dashboardExpressions(dashboard).map(({ expr }, i) => ({ record: `dashboard:${dashboard.uid.replace(/-/g, '_')}:${i}`, expr: concreteExpr(expr) })),
      );
      const file = path.join(dir, 'dashboards.rules.yaml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules }] }));
      const result = run((tool as { path: string }).path, ['check', 'rules', file]);
      expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('use only metrics from docs/operations/service-interfaces.md, standard process/Node.js metrics, up and kube-state-metrics', () => {
    expect(deriveMetricsUsed().unknown).toEqual([]);
  });

  it('the overview shows request rate by outcome, FAILURE ratio by failInfo, p50/p99 latency, approvals, queue depth and age, RA/CA expiry', () => {
    const overview = loadDashboards().find((d) => d.file === 'scep-overview.json')?.dashboard;
    const exprs = overview ? dashboardExpressions(overview).map((e) => e.expr) : [];
    const has = (re: RegExp) => exprs.some((e) => re.test(e));
    expect({
      outcome: has(/sum by \(pki_status\) \(rate\(scep_requests_total/),
      failInfo: has(/sum by \(fail_info\).*pki_status="FAILURE"/),
      p50: has(/histogram_quantile\(0\.5,.*scep_request_duration_seconds_bucket/),
      p99: has(/histogram_quantile\(0\.99,.*scep_request_duration_seconds_bucket/),
      approvals: has(/scep_approvals_pending/),
      queueDepth: has(/scep_signing_queue_jobs/),
      oldestJob: has(/scep_signing_queue_oldest_job_age_seconds/),
      ra: has(/scep_ra_certificate_expiry_seconds/),
      ca: has(/scep_ca_certificate_expiry_seconds/),
    }).toEqual({ outcome: true, failInfo: true, p50: true, p99: true, approvals: true, queueDepth: true, oldestJob: true, ra: true, ca: true });
  });

  it('the tenant dashboard has a tenant variable that every panel query uses', () => {
    const tenant = loadDashboards().find((d) => d.file === 'scep-tenant.json')?.dashboard;
    expect(tenant?.templating.list.map((v) => v.name)).toContain('tenant');
    for (const p of panelsOf(tenant ?? { panels: [] } as never)) {
      for (const t of p.targets ?? []) expect({ panel: p.title, usesTenant: t.expr.includes('tenant="$tenant"') }).toEqual({ panel: p.title, usesTenant: true });
    }
  });

  it('every panel has queries and each query names at least one metric', () => {
    for (const { dashboard } of loadDashboards()) {
      for (const p of panelsOf(dashboard).filter((x) => x.type !== 'row')) {
        expect({ panel: p.title, queries: (p.targets ?? []).length > 0 }).toEqual({ panel: p.title, queries: true });
        for (const t of p.targets ?? []) expect({ panel: p.title, metrics: metricNames(t.expr).length > 0 }).toEqual({ panel: p.title, metrics: true });
      }
    }
  });
});

describe('metrics-used.json', () => {
  it('lists every metric the dashboards and rules use, by source (metrics-used)', () => {
    const { used } = deriveMetricsUsed();
    const text = `${JSON.stringify(used, null, 2)}\n`;
    if (process.env.UPDATE_METRICS_USED === '1') writeFileSync(metricsUsedFile, text);
    expect(readFileSync(metricsUsedFile, 'utf8')).toBe(text);
  });
});
