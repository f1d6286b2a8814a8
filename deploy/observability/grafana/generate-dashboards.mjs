#!/usr/bin/env node
// Grafana dashboards as code: writes grafana/dashboards/*.json from the definitions below.
//   node deploy/observability/grafana/generate-dashboards.mjs           # (re)write the JSON files
//   node deploy/observability/grafana/generate-dashboards.mjs --check   # exit 1 if a file differs (test/deploy)
// Metric names: docs/operations/service-interfaces.md only, plus the standard process_*/nodejs_* metrics and `up`.
// Job labels are the service names (docker-compose's scrape jobs; the chart's monitors use jobLabel = component).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboards');
const DS = { type: 'prometheus', uid: '${datasource}' };
const JOBS = 'scep-gateway|admin-api|policy-service|challenge-service|signer-worker';
const RI = '$__rate_interval';

/** One query: PromQL and the legend. */
const q = (expr, legend = '', extra = {}) => ({ expr, legendFormat: legend, ...extra });

/** A panel; gridPos is filled in by layout(). */
function panel(type, title, targets, { unit, w = 8, h = 8, description, min, max, thresholds, options, custom, decimals } = {}) {
  const fieldConfig = { defaults: { unit: unit ?? 'short' }, overrides: [] };
  if (min !== undefined) fieldConfig.defaults.min = min;
  if (max !== undefined) fieldConfig.defaults.max = max;
  if (decimals !== undefined) fieldConfig.defaults.decimals = decimals;
  if (thresholds) fieldConfig.defaults.thresholds = { mode: 'absolute', steps: thresholds };
  if (custom) fieldConfig.defaults.custom = custom;
  return {
    type,
    title,
    ...(description ? { description } : {}),
    datasource: DS,
    targets: targets.map((t, i) => ({ datasource: DS, refId: String.fromCharCode(65 + i), ...t })),
    fieldConfig,
    options: options ?? (type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } } : {}),
    _w: w,
    _h: h,
  };
}
const row = (title) => ({ type: 'row', title, collapsed: false, panels: [], _w: 24, _h: 1 });
const ts = (title, targets, opts) => panel('timeseries', title, targets, opts);
const stat = (title, targets, opts) => panel('stat', title, targets, { w: 6, h: 5, ...opts, options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', textMode: 'auto' } });
/** A table of instant values (expiry lists). */
const table = (title, targets, opts) =>
  panel('table', title, targets.map((t) => ({ ...t, instant: true, format: 'table' })), {
    w: 12,
    h: 9,
    ...opts,
    options: { showHeader: true, sortBy: [{ displayName: 'Value', desc: false }] },
  });

const expiryThresholds = [
  { color: 'red', value: null },
  { color: 'orange', value: 7 * 86400 },
  { color: 'green', value: 30 * 86400 },
];
const ageThresholds = [
  { color: 'green', value: null },
  { color: 'orange', value: 60 },
  { color: 'red', value: 300 },
];

/** Places panels left to right, wrapping at 24 columns. */
function layout(panels) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let id = 1;
  return panels.map(({ _w, _h, ...p }) => {
    if (x + _w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { id: id++, gridPos: { h: _h, w: _w, x, y }, ...p };
    x += _w;
    rowHeight = Math.max(rowHeight, _h);
    if (x >= 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    return placed;
  });
}

const datasourceVar = {
  name: 'datasource',
  label: 'Data source',
  type: 'datasource',
  query: 'prometheus',
  current: {},
  hide: 0,
  refresh: 1,
  options: [],
};
const queryVar = (name, label, query, { multi = false, includeAll = false } = {}) => ({
  name,
  label,
  type: 'query',
  datasource: DS,
  query: { query, refId: `${name}-var` },
  definition: query,
  refresh: 2,
  sort: 1,
  multi,
  includeAll,
  ...(includeAll ? { allValue: '.*' } : {}),
  current: {},
  options: [],
  hide: 0,
});

function dashboard({ uid, title, description, panels, variables = [] }) {
  return {
    uid,
    title,
    description,
    tags: ['scep'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [datasourceVar, ...variables] },
    annotations: { list: [] },
    links: [{ type: 'dashboards', tags: ['scep'], asDropdown: true, title: 'SCEP dashboards', includeVars: false, keepTime: true }],
    panels: layout(panels),
  };
}

const pkiRate = (selector = '') => `sum(rate(scep_requests_total{operation="PKIOperation"${selector}}[${RI}]))`;

const overview = dashboard({
  uid: 'scep-overview',
  title: 'SCEP platform / Overview',
  description: 'Enrollment traffic and outcomes, latency, approvals, the signing queue, RA/CA expiry and service health. Runbook: docs/operations/runbook.md#reading-the-dashboards',
  panels: [
    row('Enrollment traffic (gateway)'),
    ts('PKIOperation requests by outcome', [q(`sum by (pki_status) (rate(scep_requests_total{operation="PKIOperation"}[${RI}]))`, '{{pki_status}}')], { unit: 'reqps', w: 8 }),
    ts('FAILURE ratio by failInfo', [q(`sum by (fail_info) (rate(scep_requests_total{operation="PKIOperation",pki_status="FAILURE"}[${RI}])) / ignoring (fail_info) group_left ${pkiRate()}`, '{{fail_info}}')], {
      unit: 'percentunit',
      w: 8,
      min: 0,
      description: 'Share of all PKIOperation answers that are FAILURE, split by failInfo (alert ScepFailureRatioHigh at 20 %).',
      custom: { stacking: { mode: 'normal' }, fillOpacity: 30 },
    }),
    ts('PKIOperation latency p50 / p99', [
      q(`histogram_quantile(0.5, sum by (le) (rate(scep_request_duration_seconds_bucket{operation="PKIOperation"}[${RI}])))`, 'p50'),
      q(`histogram_quantile(0.99, sum by (le) (rate(scep_request_duration_seconds_bucket{operation="PKIOperation"}[${RI}])))`, 'p99'),
    ], { unit: 's', w: 8 }),
    ts('Requests by operation and message type', [q(`sum by (operation, message_type) (rate(scep_requests_total[${RI}]))`, '{{operation}} {{message_type}}')], { unit: 'reqps', w: 8 }),
    ts('Latency p99 by operation', [q(`histogram_quantile(0.99, sum by (le, operation) (rate(scep_request_duration_seconds_bucket[${RI}])))`, '{{operation}}')], { unit: 's', w: 8 }),
    ts('Throttled requests', [q(`sum by (reason) (rate(scep_requests_throttled_total[${RI}]))`, '{{reason}}')], { unit: 'reqps', w: 8 }),
    row('Approvals and signing'),
    stat('Pending approvals', [q('sum(max by (tenant) (scep_approvals_pending))')], { decimals: 0 }),
    stat('Signing queue: waiting jobs', [q('max(scep_signing_queue_jobs{state="waiting"})')], { decimals: 0 }),
    stat('Signing queue: oldest job age', [q('max(scep_signing_queue_oldest_job_age_seconds)')], { unit: 's', thresholds: ageThresholds }),
    stat('Certificates issued (1h)', [q('sum(increase(scep_certificates_issued_total[1h]))')], { decimals: 0 }),
    ts('Signing queue depth by state', [q('max by (state) (scep_signing_queue_jobs)', '{{state}}')], { w: 8 }),
    ts('Signing queue oldest job age', [q('max(scep_signing_queue_oldest_job_age_seconds)', 'oldest job')], { unit: 's', w: 8, thresholds: ageThresholds }),
    ts('Policy decisions by outcome', [q(`sum by (outcome) (rate(scep_policy_decisions_total[${RI}]))`, '{{outcome}}')], { unit: 'ops', w: 8 }),
    ts('Pending approvals by tenant', [q('max by (tenant) (scep_approvals_pending)', '{{tenant}}')], { w: 12 }),
    ts('Certificates issued and revoked', [
      q(`sum(rate(scep_certificates_issued_total[${RI}]))`, 'issued'),
      q(`sum by (reason) (rate(scep_certificates_revoked_total[${RI}]))`, 'revoked: {{reason}}'),
    ], { unit: 'ops', w: 12 }),
    row('RA and CA certificates'),
    table('RA certificates expiring first (active generation)', [q('bottomk(15, min by (tenant, profile) (scep_ra_certificate_expiry_seconds{generation="active"}))')], {
      unit: 's',
      thresholds: expiryThresholds,
      custom: { cellOptions: { type: 'color-background' } },
      description: 'Seconds until notAfter (alert ScepRaCertificateExpiringSoon below 30 days without a next generation).',
    }),
    table('CA certificates expiring first', [q('bottomk(15, min by (tenant, ca) (scep_ca_certificate_expiry_seconds))')], {
      unit: 's',
      thresholds: expiryThresholds,
      custom: { cellOptions: { type: 'color-background' } },
      description: 'Seconds until notAfter (alert ScepCaCertificateExpiringSoon below 30 days).',
    }),
    row('Challenges'),
    ts('Challenge verifications by mode and decision', [q(`sum by (mode, decision) (rate(scep_challenge_verifications_total[${RI}]))`, '{{mode}} {{decision}}')], { unit: 'ops', w: 8 }),
    ts('Challenge verification latency p99 by mode', [q(`histogram_quantile(0.99, sum by (le, mode) (rate(scep_challenge_verification_duration_seconds_bucket[${RI}])))`, '{{mode}}')], { unit: 's', w: 8 }),
    ts('Challenge lockouts', [q('sum by (scope) (increase(scep_challenge_lockouts_total[15m]))', '{{scope}}')], { w: 8, description: 'Lockouts per 15 minutes (alert ScepChallengeLockoutSpike above 5).' }),
    row('Services'),
    ts('Targets up', [q(`sum by (job) (up{job=~"${JOBS}"})`, '{{job}}')], { w: 8, min: 0, decimals: 0 }),
    ts('RPC client latency p99 by method', [q(`histogram_quantile(0.99, sum by (le, method) (rate(scep_rpc_client_duration_seconds_bucket[${RI}])))`, '{{method}}')], { unit: 's', w: 8 }),
    ts('RPC client calls by outcome', [q(`sum by (outcome) (rate(scep_rpc_client_duration_seconds_count[${RI}]))`, '{{outcome}}')], { unit: 'ops', w: 8 }),
    ts('CPU by service', [q(`sum by (job) (rate(process_cpu_seconds_total{job=~"${JOBS}"}[${RI}]))`, '{{job}}')], { unit: 'percentunit', w: 8 }),
    ts('Resident memory by service', [q(`sum by (job) (process_resident_memory_bytes{job=~"${JOBS}"})`, '{{job}}')], { unit: 'bytes', w: 8 }),
    ts('Event loop lag by service (max)', [q(`max by (job) (nodejs_eventloop_lag_seconds{job=~"${JOBS}"})`, '{{job}}')], { unit: 's', w: 8 }),
    ts('Admin API requests by status', [q(`sum by (status) (rate(scep_admin_requests_total[${RI}]))`, '{{status}}')], { unit: 'reqps', w: 12 }),
    ts('Admin API latency p99 by route', [q(`histogram_quantile(0.99, sum by (le, route) (rate(scep_admin_request_duration_seconds_bucket[${RI}])))`, '{{route}}')], { unit: 's', w: 12 }),
  ],
});

const T = 'tenant="$tenant"';
const TP = 'tenant="$tenant",profile=~"$profile"';
const perTenant = dashboard({
  uid: 'scep-tenant',
  title: 'SCEP platform / Tenant',
  description: 'One tenant (and some of its profiles). Needs METRICS_TENANT_LABELS=true (the default).',
  variables: [
    queryVar('tenant', 'Tenant', 'label_values(scep_requests_total, tenant)'),
    queryVar('profile', 'Profile', 'label_values(scep_requests_total{tenant="$tenant"}, profile)', { multi: true, includeAll: true }),
  ],
  panels: [
    stat('PKIOperation requests/s', [q(pkiRate(`,${TP}`))], { unit: 'reqps' }),
    stat('FAILURE ratio', [q(`sum(rate(scep_requests_total{operation="PKIOperation",pki_status="FAILURE",${TP}}[${RI}])) / ${pkiRate(`,${TP}`)}`)], {
      unit: 'percentunit',
      thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 0.05 }, { color: 'red', value: 0.2 }],
    }),
    stat('Pending approvals', [q(`max(scep_approvals_pending{${T}})`)], { decimals: 0 }),
    stat('Certificates issued (24h)', [q(`sum(increase(scep_certificates_issued_total{${TP}}[1d]))`)], { decimals: 0 }),
    ts('PKIOperation requests by outcome', [q(`sum by (pki_status) (rate(scep_requests_total{operation="PKIOperation",${TP}}[${RI}]))`, '{{pki_status}}')], { unit: 'reqps', w: 12 }),
    ts('FAILURE ratio by failInfo', [q(`sum by (fail_info) (rate(scep_requests_total{operation="PKIOperation",pki_status="FAILURE",${TP}}[${RI}])) / ignoring (fail_info) group_left ${pkiRate(`,${TP}`)}`, '{{fail_info}}')], {
      unit: 'percentunit',
      w: 12,
      min: 0,
      custom: { stacking: { mode: 'normal' }, fillOpacity: 30 },
    }),
    ts('Requests by profile and message type', [q(`sum by (profile, message_type) (rate(scep_requests_total{${TP}}[${RI}]))`, '{{profile}} {{message_type}}')], { unit: 'reqps', w: 12 }),
    ts('PKIOperation latency p50 / p99 by profile', [
      q(`histogram_quantile(0.5, sum by (le, profile) (rate(scep_request_duration_seconds_bucket{operation="PKIOperation",${TP}}[${RI}])))`, 'p50 {{profile}}'),
      q(`histogram_quantile(0.99, sum by (le, profile) (rate(scep_request_duration_seconds_bucket{operation="PKIOperation",${TP}}[${RI}])))`, 'p99 {{profile}}'),
    ], { unit: 's', w: 12 }),
    ts('Policy decisions by outcome', [q(`sum by (outcome) (rate(scep_policy_decisions_total{${TP}}[${RI}]))`, '{{outcome}}')], { unit: 'ops', w: 12 }),
    ts('Certificates issued by profile', [q(`sum by (profile) (rate(scep_certificates_issued_total{${TP}}[${RI}]))`, '{{profile}}')], { unit: 'ops', w: 12 }),
    table('RA certificates by profile and generation', [q(`min by (profile, generation) (scep_ra_certificate_expiry_seconds{${TP}})`)], {
      unit: 's',
      thresholds: expiryThresholds,
      custom: { cellOptions: { type: 'color-background' } },
    }),
    table('CA certificates', [q(`min by (ca) (scep_ca_certificate_expiry_seconds{${T}})`)], {
      unit: 's',
      thresholds: expiryThresholds,
      custom: { cellOptions: { type: 'color-background' } },
    }),
  ],
});

const signerQueue = dashboard({
  uid: 'scep-signer-queue',
  title: 'SCEP platform / Signer and signing queue',
  description:
    'The signing queue as the policy service sees it (every job and outcome passes through it). The signer-worker panels stay empty unless its scrape is opted into (signer.metrics.scrape.enabled). Scaling: docs/operations/runbook.md#scaling-the-signer',
  panels: [
    stat('Waiting jobs', [q('max(scep_signing_queue_jobs{state="waiting"})')], { decimals: 0 }),
    stat('Active jobs', [q('max(scep_signing_queue_jobs{state="active"})')], { decimals: 0 }),
    stat('Oldest job age', [q('max(scep_signing_queue_oldest_job_age_seconds)')], { unit: 's', thresholds: ageThresholds }),
    stat('Failed jobs', [q('max(scep_signing_queue_jobs{state="failed"})')], { decimals: 0 }),
    ts('Queue depth by state', [q('max by (state) (scep_signing_queue_jobs)', '{{state}}')], { w: 12 }),
    ts('Oldest job age', [q('max(scep_signing_queue_oldest_job_age_seconds)', 'oldest job')], { unit: 's', w: 12, thresholds: ageThresholds }),
    ts('Signing duration (enqueue to outcome)', [
      q(`histogram_quantile(0.5, sum by (le) (rate(scep_signing_duration_seconds_bucket[${RI}])))`, 'p50'),
      q(`histogram_quantile(0.9, sum by (le) (rate(scep_signing_duration_seconds_bucket[${RI}])))`, 'p90'),
      q(`histogram_quantile(0.99, sum by (le) (rate(scep_signing_duration_seconds_bucket[${RI}])))`, 'p99'),
    ], { unit: 's', w: 12 }),
    ts('Signing throughput', [
      q(`sum(rate(scep_signing_duration_seconds_count[${RI}]))`, 'outcomes'),
      q(`sum(rate(scep_certificates_issued_total[${RI}]))`, 'issued'),
    ], { unit: 'ops', w: 12 }),
    ts('Signing failures by reason', [q(`sum by (reason) (rate(scep_signing_failures_total[${RI}]))`, '{{reason}}')], { unit: 'ops', w: 12 }),
    ts('Refused signing traffic (forged or malformed)', [
      q(`sum by (reason) (increase(scep_policy_signing_outcomes_refused_total[${RI}]))`, 'outcomes refused by policy: {{reason}}'),
      q(`sum by (reason) (increase(scep_signer_jobs_refused_total[${RI}]))`, 'jobs refused by signer: {{reason}}'),
    ], { w: 12, description: 'Should stay at zero (alert ScepSigningJobsRefused).' }),
    ts('Policy rule failures by rule', [q(`sum by (rule) (rate(scep_policy_rule_failures_total[${RI}]))`, '{{rule}}')], { unit: 'ops', w: 12 }),
    ts('Signer and policy CPU', [q(`sum by (job, instance) (rate(process_cpu_seconds_total{job=~"signer-worker|policy-service"}[${RI}]))`, '{{job}} {{instance}}')], { unit: 'percentunit', w: 12 }),
    ts('Signer and policy memory', [q('sum by (job, instance) (process_resident_memory_bytes{job=~"signer-worker|policy-service"})', '{{job}} {{instance}}')], { unit: 'bytes', w: 12 }),
    ts('Signer and policy event loop lag', [q('max by (job, instance) (nodejs_eventloop_lag_seconds{job=~"signer-worker|policy-service"})', '{{job}} {{instance}}')], { unit: 's', w: 12 }),
  ],
});

const dashboards = { 'scep-overview.json': overview, 'scep-tenant.json': perTenant, 'scep-signer-queue.json': signerQueue };

const check = process.argv.includes('--check');
mkdirSync(outDir, { recursive: true });
let stale = 0;
for (const [file, board] of Object.entries(dashboards)) {
  const target = path.join(outDir, file);
  const text = `${JSON.stringify(board, null, 2)}\n`;
  if (check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      stale++;
      console.error(`${path.relative(process.cwd(), target)} is not what generate-dashboards.mjs produces: run it and commit the result`);
    }
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${path.relative(process.cwd(), target)}`);
  }
}
process.exitCode = stale ? 1 : 0;
