// Metric names: what docs/operations/service-interfaces.md promises, and what the dashboards and alert rules use.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { fromRoot, observabilityDir } from './paths';

export type DocMetric = { name: string; type: string; service: string };

/** The metrics table of the interfaces doc. */
export function documentedMetrics(): DocMetric[] {
  const doc = readFileSync(fromRoot('docs', 'operations', 'service-interfaces.md'), 'utf8');
  const out: DocMetric[] = [];
  for (const line of doc.split('\n')) {
    const m = /^\|\s*`([a-z_:][a-z0-9_:]*)`\s*\|\s*(counter|gauge|histogram|summary)\s*\|[^|]*\|\s*([^|]+?)\s*\|\s*$/.exec(line);
    if (m) out.push({ name: m[1], type: m[2], service: m[3] });
  }
  return out;
}

/** Standard metrics every service exports (prom-client's default process and Node.js metrics). */
export const isStandardServiceMetric = (name: string) => /^(process|nodejs)_[a-z0-9_]+$/.test(name);
/** Series Prometheus itself synthesises. */
export const PROMETHEUS_METRICS = new Set(['up']);
/** kube-state-metrics, for Kubernetes-only alerts. */
export const KUBE_STATE_METRICS = new Set(['kube_pod_container_status_ready']);

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/** Metric names referenced by a PromQL expression (functions, keywords, labels and durations left out). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z0-9_:.$]+/g)) {
    const token = m[0];
    if (!/^[A-Za-z_:]/.test(token) || KEYWORDS.has(token.toLowerCase())) continue;
    const rest = stripped.slice((m.index ?? 0) + token.length);
    if (/^\s*\(/.test(rest)) continue; // a function or an aggregation
    names.add(token);
  }
  return [...names];
}

/** The metric family a series name belongs to (histogram series -> the histogram). */
export function family(name: string, documented: DocMetric[]): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (documented.some((d) => d.name === base && (d.type === 'histogram' || d.type === 'summary'))) return base;
    }
  }
  return name;
}

export type Dashboard = { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] } };
export type Panel = { title: string; type: string; targets?: { expr: string }[]; panels?: Panel[] };

export const dashboardsDir = path.join(observabilityDir, 'grafana', 'dashboards');
export const rulesFile = path.join(observabilityDir, 'prometheus', 'rules', 'scep-alerts.rules.yaml');
export const DASHBOARD_FILES = ['scep-overview.json', 'scep-tenant.json', 'scep-signer-queue.json'];

export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return DASHBOARD_FILES.map((file) => ({ file, dashboard: JSON.parse(readFileSync(path.join(dashboardsDir, file), 'utf8')) as Dashboard }));
}

export function panelsOf(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL expression of a dashboard: panel targets and query variables (label_values(metric..., label)). */
export function dashboardExpressions(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of panelsOf(d)) for (const t of p.targets ?? []) out.push({ where: `${d.uid} / ${p.title}`, expr: t.expr });
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
    const m = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query);
    out.push({ where: `${d.uid} / variable ${v.name}`, expr: m ? m[1] : query });
  }
  return out;
}

export type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
export function loadRules(file = rulesFile): { groups: { name: string; rules: Rule[] }[] } {
  return parse(readFileSync(file, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
}

/** Grafana's variables replaced by values PromQL accepts (for syntax checks with promtool). */
export function concreteExpr(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?/g, 'x');
}

export type MetricsUsed = {
  $comment: string;
  exportedByServices: { name: string; type: string; service: string; usedIn: string[] }[];
  fromPrometheus: { name: string; usedIn: string[] }[];
  fromKubeStateMetrics: { name: string; usedIn: string[] }[];
};
export const metricsUsedFile = path.join(observabilityDir, 'metrics-used.json');

/** metrics-used.json as derived from the dashboards and the rules; `unknown` lists names from no known source. */
export function deriveMetricsUsed(): { used: MetricsUsed; unknown: { name: string; where: string }[] } {
  const documented = documentedMetrics();
  const usage = new Map<string, Set<string>>();
  const add = (name: string, where: string) => usage.set(name, (usage.get(name) ?? new Set()).add(where));
  for (const { file, dashboard } of loadDashboards()) {
    for (const { expr } of dashboardExpressions(dashboard)) for (const n of metricNames(expr)) add(family(n, documented), `grafana/dashboards/${file}`);
  }
  for (const g of loadRules().groups) for (const r of g.rules) for (const n of metricNames(r.expr)) add(family(n, documented), 'prometheus/rules/scep-alerts.rules.yaml');
  const used: MetricsUsed = {
    $comment:
      'Every metric the dashboards and alert rules of deploy/observability use, by source. Derived and checked by test/deploy (observability.spec.ts); regenerate with UPDATE_METRICS_USED=1 npx jest -c test/deploy/jest.config.cjs -t metrics-used',
    exportedByServices: [],
    fromPrometheus: [],
    fromKubeStateMetrics: [],
  };
  const unknown: { name: string; where: string }[] = [];
  for (const name of [...usage.keys()].sort()) {
    const usedIn = [...(usage.get(name) ?? [])].sort();
    const doc = documented.find((d) => d.name === name);
    if (doc) used.exportedByServices.push({ name, type: doc.type, service: doc.service, usedIn });
    else if (isStandardServiceMetric(name)) used.exportedByServices.push({ name, type: 'standard', service: 'every service (process and Node.js metrics)', usedIn });
    else if (PROMETHEUS_METRICS.has(name)) used.fromPrometheus.push({ name, usedIn });
    else if (KUBE_STATE_METRICS.has(name)) used.fromKubeStateMetrics.push({ name, usedIn });
    else unknown.push({ name, where: usedIn.join(', ') });
  }
  return { used, unknown };
}
