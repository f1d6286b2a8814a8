// Rendering the chart with helm and looking at what it renders.
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { chartDir } from './paths';
import { helmBinary, run } from './tools';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
};

export type Container = {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
};
export type Probe = { httpGet?: { path: string; port: string | number }; exec?: { command: string[] }; timeoutSeconds?: number };
export type SecurityContext = {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
};
export type Volume = {
  name: string;
  secret?: { secretName: string };
  projected?: { sources: { secret?: { name: string; items?: { key: string; path: string }[] } }[] };
  emptyDir?: Record<string, unknown>;
};
export type PodSpec = {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: SecurityContext & { fsGroup?: number };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  topologySpreadConstraints?: unknown[];
  affinity?: unknown;
};
export type PodTemplate = { metadata?: { labels?: Record<string, string> }; spec: PodSpec };

export const RELEASE = 'scep';
export const NAMESPACE = 'scep';
export const DEV_VALUES: string[] = [];
export const PROD_VALUES = [path.join(chartDir, 'values-production.yaml')];

export function helm(args: string[]) {
  return run(helmBinary(), args);
}

/** helm template output; throws with helm's stderr when rendering fails. */
export function renderText(valuesFiles: string[], sets: string[] = []): string {
  const args = ['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...valuesFiles.flatMap((f) => ['-f', f]), ...sets.flatMap((s) => ['--set', s])];
  const result = helm(args);
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

export function parseObjects(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

export function render(valuesFiles: string[], sets: string[] = []): K8sObject[] {
  return parseObjects(renderText(valuesFiles, sets));
}

export const id = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

/** Every object with a pod template (or a pod spec), with that template. */
export function podTemplates(objects: K8sObject[]): { owner: K8sObject; template: PodTemplate }[] {
  const out: { owner: K8sObject; template: PodTemplate }[] = [];
  for (const o of objects) {
    const spec = o.spec as { template?: PodTemplate; jobTemplate?: { spec: { template: PodTemplate } } } | undefined;
    if (o.kind === 'Pod') out.push({ owner: o, template: { metadata: o.metadata, spec: o.spec as unknown as PodSpec } });
    else if (spec?.template?.spec?.containers) out.push({ owner: o, template: spec.template });
    else if (spec?.jobTemplate) out.push({ owner: o, template: spec.jobTemplate.spec.template });
  }
  return out;
}

export const component = (labels: Record<string, string> | undefined) => labels?.['app.kubernetes.io/component'];

/** The Deployment of one service (by component label). */
export function deploymentOf(objects: K8sObject[], name: string): K8sObject & { spec: { replicas?: number; template: PodTemplate } } {
  const found = ofKind(objects, 'Deployment').find((d) => component(d.metadata.labels) === name);
  if (!found) throw new Error(`no Deployment for ${name}`);
  return found as K8sObject & { spec: { replicas?: number; template: PodTemplate } };
}

type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** Kubernetes label-selector semantics (an empty selector selects everything). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Names of the Secrets a pod mounts (secret and projected volumes), with the keys it projects. */
export function mountedSecrets(spec: PodSpec): { name: string; keys: string[] | 'all' }[] {
  const out: { name: string; keys: string[] | 'all' }[] = [];
  for (const v of spec.volumes ?? []) {
    if (v.secret) out.push({ name: v.secret.secretName, keys: 'all' });
    for (const s of v.projected?.sources ?? []) if (s.secret) out.push({ name: s.secret.name, keys: s.secret.items ? s.secret.items.map((i) => i.key) : 'all' });
  }
  return out;
}
