// The Helm chart deploy/helm/scep-platform, rendered offline with helm and checked against the Kubernetes API schemas
// and against the rules of docs/operations/service-interfaces.md (ports, probes, secrets, isolation).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  component,
  Container,
  DEV_VALUES,
  deploymentOf,
  helm,
  id,
  K8sObject,
  mountedSecrets,
  ofKind,
  PodSpec,
  podTemplates,
  PROD_VALUES,
  render,
  renderText,
  selects,
} from './support/chart';
import { unknownFields, validateModels } from './support/k8s-schema';
import { chartDir, observabilityDir } from './support/paths';

const SERVICES = ['scep-gateway', 'admin-api', 'policy-service', 'signer-worker', 'challenge-service'] as const;
const OPS_PORT: Record<string, number> = { 'scep-gateway': 9460, 'admin-api': 9461, 'policy-service': 9462, 'signer-worker': 9463, 'challenge-service': 9464 };
const OPS_PREFIX: Record<string, string> = { 'scep-gateway': 'SCEP_GATEWAY', 'admin-api': 'ADMIN_API', 'policy-service': 'POLICY', 'signer-worker': 'SIGNER', 'challenge-service': 'CHALLENGE' };

/** Which workloads may mount each secret (service-interfaces.md, "Configuration and secrets"). */
const SECRET_USERS: Record<string, { key: string; users: string[] }> = {
  databaseUrl: { key: 'DATABASE_URL', users: [...SERVICES, 'migrate'] },
  caKek: { key: 'SIGNER_CA_KEK', users: ['signer-worker'] },
  raKek: { key: 'RA_KEK', users: ['scep-gateway', 'signer-worker'] },
  approvalKey: { key: 'APPROVAL_KEY', users: ['policy-service', 'signer-worker'] },
  challengePepper: { key: 'CHALLENGE_PEPPER', users: ['challenge-service'] },
  bootstrapApiKey: { key: 'ADMIN_BOOTSTRAP_API_KEY', users: ['admin-api'] },
};
/** The variables each service reads its secrets from (as <VAR>_FILE). */
const SECRET_VARIABLES: Record<string, string[]> = {
  'scep-gateway': ['DATABASE_URL', 'SCEP_GATEWAY_RA_KEK'],
  'admin-api': ['DATABASE_URL', 'ADMIN_BOOTSTRAP_API_KEY'],
  'policy-service': ['DATABASE_URL', 'POLICY_APPROVAL_KEY'],
  'signer-worker': ['DATABASE_URL', 'SIGNER_CA_KEK', 'SIGNER_RA_KEK', 'SIGNER_APPROVAL_KEY'],
  'challenge-service': ['DATABASE_URL', 'CHALLENGE_PEPPER'],
  migrate: ['DATABASE_URL'],
};

/** Everything optional switched on, to validate those templates too. */
const ALL_ON = [
  'signer.metrics.scrape.enabled=true',
  'metrics.serviceMonitor.enabled=true',
  'metrics.prometheusRule.enabled=true',
  'metrics.grafanaDashboards.enabled=true',
  'ingress.gateway.enabled=true',
  'ingress.adminApi.enabled=true',
  'signer.keda.enabled=true',
  'config.otel.tracesExporter=otlp',
  'config.otel.otlpEndpoint=http://otel-collector.monitoring:4318',
  'networkPolicy.otlp.to[0].podSelector.matchLabels.app=otel-collector',
  'networkPolicy.adminApi.from[0].ipBlock.cidr=10.20.0.0/16',
  'secrets.redisUrl.existingSecret=redis-url',
  'gateway.trustedProxies=10.0.0.0/8',
  'signer.crlBaseUrl=https://scep.example.test',
];

const withoutInfo = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.trim() && !/level=INFO msg="found symbolic link/.test(l))
    .join('\n');

let dev: K8sObject[];
let prod: K8sObject[];
let allOn: K8sObject[];
let prodAllOn: K8sObject[];
beforeAll(() => {
  dev = render(DEV_VALUES);
  prod = render(PROD_VALUES);
  allOn = render(DEV_VALUES, ALL_ON);
  prodAllOn = render(PROD_VALUES, ALL_ON);
});
const renders = () =>
  [
    ['values.yaml', dev],
    ['values-production.yaml', prod],
    ['values.yaml + every option', allOn],
    ['values-production.yaml + every option', prodAllOn],
  ] as const;

/** The effective security context of a container (container fields override the pod's). */
const effective = (pod: PodSpec, c: Container) => ({ ...pod.securityContext, ...c.securityContext });
const longRunning = (objects: K8sObject[]) => podTemplates(objects).filter(({ owner }) => owner.kind !== 'Job');
const containersOf = (objects: K8sObject[]) =>
  podTemplates(objects).flatMap(({ owner, template }) => [...template.spec.containers, ...(template.spec.initContainers ?? [])].map((c) => ({ owner, pod: template.spec, c })));

describe('helm lint', () => {
  it.each([
    ['values.yaml', DEV_VALUES],
    ['values-production.yaml', PROD_VALUES],
  ])('passes `helm lint --strict` with %s', (_name, files) => {
    const result = helm(['lint', '--strict', chartDir, ...files.flatMap((f) => ['-f', f])]);
    expect({ status: result.status, problems: withoutInfo(result.stdout + result.stderr).split('\n').filter((l) => /\[(WARNING|ERROR)\]/.test(l)) }).toEqual({ status: 0, problems: [] });
  });
});

describe('rendered objects are valid Kubernetes (1.30+) objects', () => {
  it('validate against the API schemas (kubernetes-models, prometheus-operator and KEDA models)', () => {
    for (const [name, objects] of renders()) expect({ values: name, problems: validateModels(objects) }).toEqual({ values: name, problems: [] });
  });

  it('have no field the API does not define', () => {
    for (const [name, objects] of renders()) expect({ values: name, problems: unknownFields(objects) }).toEqual({ values: name, problems: [] });
  });

  it('carry the standard labels', () => {
    for (const [, objects] of renders()) {
      for (const o of objects) {
        for (const label of ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/part-of', 'helm.sh/chart']) {
          expect({ object: id(o), label, present: Boolean(o.metadata.labels?.[label]) }).toEqual({ object: id(o), label, present: true });
        }
      }
    }
  });

  it('render one Deployment per service, each running its own entry point', () => {
    for (const [, objects] of renders()) {
      expect(ofKind(objects, 'Deployment').map((d) => component(d.metadata.labels)).sort()).toEqual([...SERVICES].sort());
      for (const s of SERVICES) {
        const [c] = deploymentOf(objects, s).spec.template.spec.containers;
        expect(c.args).toEqual([`dist/apps/${s}/src/main.js`]);
      }
    }
  });
});

describe('pods and containers', () => {
  it('every long-running container has a liveness and a readiness probe on /healthz and /readyz', () => {
    for (const [, objects] of renders()) {
      for (const { owner, template } of longRunning(objects)) {
        for (const c of template.spec.containers) {
          const where = `${id(owner)} ${c.name}`;
          expect({ where, liveness: Boolean(c.livenessProbe), readiness: Boolean(c.readinessProbe) }).toEqual({ where, liveness: true, readiness: true });
          const path = (p: Container['livenessProbe']) => p?.httpGet?.path ?? p?.exec?.command.join(' ').match(/\/(healthz|readyz)/)?.[0];
          expect({ where, liveness: path(c.livenessProbe), readiness: path(c.readinessProbe) }).toEqual({ where, liveness: '/healthz', readiness: '/readyz' });
        }
      }
    }
  });

  it('HTTP probes use the operations port; the signer uses exec probes against its loopback', () => {
    for (const [, objects] of renders()) {
      for (const s of SERVICES) {
        const [c] = deploymentOf(objects, s).spec.template.spec.containers;
        for (const probe of [c.livenessProbe, c.readinessProbe]) {
          if (s === 'signer-worker') {
            expect(probe?.httpGet).toBeUndefined();
            expect(probe?.exec?.command.slice(0, 2)).toEqual(['node', '-e']);
            expect(probe?.exec?.command[2]).toContain(`http://127.0.0.1:${OPS_PORT[s]}/`);
            // The fetch gives up before the kubelet's own timeout, so the probe fails cleanly instead of being killed.
            const abortMs = Number(/AbortSignal\.timeout\((\d+)\)/.exec(probe?.exec?.command[2] ?? '')?.[1]);
            expect(abortMs).toBeLessThan((probe?.timeoutSeconds ?? 1) * 1000);
          } else {
            const port = c.ports?.find((p) => p.name === probe?.httpGet?.port)?.containerPort;
            expect({ service: s, port }).toEqual({ service: s, port: OPS_PORT[s] });
          }
        }
      }
    }
  });

  it('every container has CPU and memory requests and limits', () => {
    for (const [, objects] of renders()) {
      for (const { owner, c } of containersOf(objects)) {
        const r = c.resources ?? {};
        const where = `${id(owner)} ${c.name}`;
        expect({ where, requests: Object.keys(r.requests ?? {}).sort(), limits: Object.keys(r.limits ?? {}).sort() }).toEqual({ where, requests: ['cpu', 'memory'], limits: ['cpu', 'memory'] });
      }
    }
  });

  it('every container runs non-root with a fixed UID, a read-only root filesystem, no privilege escalation, no capabilities and RuntimeDefault seccomp', () => {
    for (const [, objects] of renders()) {
      for (const { owner, pod, c } of containersOf(objects)) {
        const sc = effective(pod, c);
        const where = `${id(owner)} ${c.name}`;
        expect({
          where,
          runAsNonRoot: sc.runAsNonRoot,
          fixedNonRootUid: typeof sc.runAsUser === 'number' && sc.runAsUser > 0,
          readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
          allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
          privileged: sc.privileged ?? false,
          dropsAll: c.securityContext?.capabilities?.drop?.includes('ALL') ?? false,
          adds: c.securityContext?.capabilities?.add ?? [],
          seccomp: sc.seccompProfile?.type,
        }).toEqual({
          where,
          runAsNonRoot: true,
          fixedNonRootUid: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          dropsAll: true,
          adds: [],
          seccomp: 'RuntimeDefault',
        });
        expect({ where, podSeccomp: pod.securityContext?.seccompProfile?.type }).toEqual({ where, podSeccomp: 'RuntimeDefault' });
      }
    }
  });

  it('gives writable /tmp as an emptyDir (the root filesystem is read-only)', () => {
    for (const [, objects] of renders()) {
      for (const { owner, pod, c } of containersOf(objects)) {
        const mount = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect({ where: `${id(owner)} ${c.name}`, emptyDir: Boolean(mount && pod.volumes?.find((v) => v.name === mount.name)?.emptyDir) }).toEqual({ where: `${id(owner)} ${c.name}`, emptyDir: true });
      }
    }
  });

  it('no pod mounts a service-account token; each service has its own ServiceAccount', () => {
    for (const [, objects] of renders()) {
      const accounts = new Map(ofKind(objects, 'ServiceAccount').map((sa) => [sa.metadata.name, sa]));
      const used = new Set<string>();
      for (const { owner, template } of podTemplates(objects)) {
        const where = id(owner);
        expect({ where, automount: template.spec.automountServiceAccountToken }).toEqual({ where, automount: false });
        const name = template.spec.serviceAccountName ?? 'default';
        expect({ where, serviceAccount: name, rendered: accounts.has(name) }).toEqual({ where, serviceAccount: name, rendered: true });
        expect({ where, sharedServiceAccount: used.has(name) }).toEqual({ where, sharedServiceAccount: false });
        used.add(name);
      }
      for (const sa of accounts.values()) expect({ sa: sa.metadata.name, automount: sa.automountServiceAccountToken }).toEqual({ sa: sa.metadata.name, automount: false });
      expect(ofKind(objects, 'Role').concat(ofKind(objects, 'ClusterRole'), ofKind(objects, 'RoleBinding'), ofKind(objects, 'ClusterRoleBinding'))).toEqual([]);
    }
  });

  it('sets *_OPS_HOST=0.0.0.0 for every service but the signer, whose operations port stays on loopback', () => {
    for (const [name, objects] of [['values.yaml', dev], ['values-production.yaml', prod]] as const) {
      for (const s of SERVICES) {
        const cm = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name === deploymentOf(objects, s).spec.template.spec.containers[0].envFrom?.[0].configMapRef?.name);
        const host = cm?.data?.[`${OPS_PREFIX[s]}_OPS_HOST`];
        expect({ values: name, service: s, host }).toEqual({ values: name, service: s, host: s === 'signer-worker' ? '127.0.0.1' : '0.0.0.0' });
        expect(cm?.data?.[`${OPS_PREFIX[s]}_OPS_PORT`]).toBe(String(OPS_PORT[s]));
      }
    }
  });

  it('gives the gateway no Redis settings and every other service Redis', () => {
    for (const [, objects] of renders()) {
      for (const s of SERVICES) {
        const spec = deploymentOf(objects, s).spec.template.spec;
        const cm = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name === spec.containers[0].envFrom?.[0].configMapRef?.name);
        const redisVariables = [...Object.keys(cm?.data ?? {}), ...(spec.containers[0].env ?? []).map((e) => e.name)].filter((k) => k.startsWith('REDIS_'));
        if (s === 'scep-gateway') expect(redisVariables).toEqual([]);
        else expect(redisVariables).toContain('REDIS_PREFIX');
      }
    }
  });
});

describe('secrets', () => {
  /** Secret name -> secret id, from the rendered dev Secrets and the production values' existingSecret names. */
  function secretIds(objects: K8sObject[], valuesFiles: string[]): Map<string, string> {
    const ids = new Map<string, string>();
    for (const s of ofKind(objects, 'Secret')) {
      for (const [sid, { key }] of Object.entries(SECRET_USERS)) if (s.data?.[key] !== undefined) ids.set(s.metadata.name, sid);
    }
    for (const file of valuesFiles) {
      const values = parse(readFileSync(file, 'utf8')) as { secrets?: Record<string, { existingSecret?: string }> };
      for (const [sid, s] of Object.entries(values.secrets ?? {})) if (s.existingSecret && SECRET_USERS[sid]) ids.set(s.existingSecret, sid);
    }
    return ids;
  }

  it.each([
    ['values.yaml', DEV_VALUES],
    ['values-production.yaml', PROD_VALUES],
  ])('each secret is mounted only into the workloads that need it (%s): the CA KEK only into the signer', (_name, files) => {
    const objects = files === DEV_VALUES ? dev : prod;
    const ids = secretIds(objects, files);
    expect([...new Set(ids.values())].sort()).toEqual(Object.keys(SECRET_USERS).sort());
    const mountedBy = new Map<string, Set<string>>();
    for (const { owner, template } of podTemplates(objects)) {
      const who = component(template.metadata?.labels) ?? id(owner);
      for (const m of mountedSecrets(template.spec)) {
        const sid = ids.get(m.name) ?? [...ids.entries()].find(([n]) => m.name.endsWith(`-${n}`))?.[1] ?? (m.name.endsWith('migrate-database-url') ? 'databaseUrl' : `unknown Secret ${m.name}`);
        mountedBy.set(sid, (mountedBy.get(sid) ?? new Set()).add(who));
      }
      // Secrets never come as plain environment variables or secretKeyRef/secretRef (they are files).
      for (const c of template.spec.containers) {
        const env = (c.env ?? []) as { name: string; valueFrom?: { secretKeyRef?: unknown } }[];
        expect({ who, secretKeyRefs: env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name) }).toEqual({ who, secretKeyRefs: [] });
        expect({ who, secretRefs: ((c.envFrom ?? []) as { secretRef?: unknown }[]).filter((e) => e.secretRef).length }).toEqual({ who, secretRefs: 0 });
      }
    }
    const actual = Object.fromEntries([...mountedBy.entries()].map(([sid, users]) => [sid, [...users].sort()]));
    const expected = Object.fromEntries(Object.entries(SECRET_USERS).map(([sid, { users }]) => [sid, [...users].sort()]));
    expect(actual).toEqual(expected);
  });

  it('passes each secret as <VARIABLE>_FILE pointing at a mounted file, and only the ones the service reads', () => {
    for (const [, objects] of renders()) {
      for (const { owner, template } of podTemplates(objects)) {
        const who = component(template.metadata?.labels) ?? id(owner);
        const c = template.spec.containers[0];
        const fileVars = (c.env ?? []).filter((e) => e.name.endsWith('_FILE'));
        const expected = [...(SECRET_VARIABLES[who] ?? [])];
        if (who !== 'scep-gateway' && who !== 'migrate' && fileVars.some((e) => e.name === 'REDIS_URL_FILE')) expected.push('REDIS_URL');
        expect({ who, variables: fileVars.map((e) => e.name.replace(/_FILE$/, '')).sort() }).toEqual({ who, variables: expected.sort() });
        const mount = c.volumeMounts?.find((m) => m.name === 'secrets');
        const projected = template.spec.volumes?.find((v) => v.name === 'secrets')?.projected?.sources.flatMap((s) => s.secret?.items?.map((i) => i.path) ?? []) ?? [];
        for (const e of fileVars) {
          expect(e.value?.startsWith(`${mount?.mountPath}/`)).toBe(true);
          expect(projected).toContain(path.posix.basename(e.value ?? ''));
        }
      }
    }
  });

  it('production refuses the dev placeholders: every secret must name an existing Secret', () => {
    expect(ofKind(prod, 'Secret')).toEqual([]);
    const text = renderText(PROD_VALUES);
    expect(text).not.toMatch(/DEV-ONLY|REVWLU9OTFkt|scep_0000000000000000_/);
    for (const sid of Object.keys(SECRET_USERS)) {
      expect(() => renderText(PROD_VALUES, [`secrets.${sid}.existingSecret=`])).toThrow(new RegExp(`secrets\\.${sid}\\.existingSecret is required when production=true`));
    }
  });

  it('development creates clearly marked placeholder Secrets', () => {
    const secrets = ofKind(dev, 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(s.metadata.annotations?.['scep-platform/warning']).toMatch(/development placeholder/);
  });
});

describe('network isolation', () => {
  const policies = (objects: K8sObject[]) =>
    ofKind(objects, 'NetworkPolicy') as (K8sObject & {
      spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes?: string[]; ingress?: { from?: unknown[]; ports?: { port: number }[] }[]; egress?: { to?: unknown[]; ports?: { port: number }[] }[] };
    })[];
  const selecting = (objects: K8sObject[], labels: Record<string, string> = {}) => policies(objects).filter((p) => selects(p.spec.podSelector, labels));

  it('denies all ingress and egress by default for every pod of the release', () => {
    for (const [, objects] of renders()) {
      const defaultDeny = policies(objects).filter((p) => (p.spec.policyTypes ?? []).includes('Ingress') && (p.spec.policyTypes ?? []).includes('Egress') && !p.spec.ingress?.length && !p.spec.egress?.length);
      expect(defaultDeny.length).toBeGreaterThan(0);
      for (const { owner, template } of podTemplates(objects)) {
        expect({ pod: id(owner), denied: defaultDeny.some((p) => selects(p.spec.podSelector, template.metadata?.labels)) }).toEqual({ pod: id(owner), denied: true });
      }
    }
  });

  it('never renders a rule without peers (which would allow everyone)', () => {
    for (const [, objects] of renders()) {
      for (const p of policies(objects)) {
        for (const r of p.spec.ingress ?? []) expect({ policy: id(p), from: r.from?.length ?? 0 }).not.toEqual({ policy: id(p), from: 0 });
        for (const r of p.spec.egress ?? []) expect({ policy: id(p), to: r.to?.length ?? 0 }).not.toEqual({ policy: id(p), to: 0 });
      }
    }
  });

  it('the signer accepts no ingress and has no Service', () => {
    for (const [name, objects] of [['values.yaml', dev], ['values-production.yaml', prod]] as const) {
      const labels = deploymentOf(objects, 'signer-worker').spec.template.metadata?.labels;
      const own = selecting(objects, labels);
      expect(own.some((p) => p.spec.policyTypes?.includes('Ingress'))).toBe(true);
      expect({ values: name, ingressRules: own.flatMap((p) => p.spec.ingress ?? []) }).toEqual({ values: name, ingressRules: [] });
      expect(ofKind(objects, 'Service').filter((s) => selects({ matchLabels: (s.spec as { selector?: Record<string, string> }).selector }, labels)).map(id)).toEqual([]);
      expect(deploymentOf(objects, 'signer-worker').spec.template.spec.containers[0].ports ?? []).toEqual([]);
      expect(ofKind(objects, 'PodMonitor')).toEqual([]);
    }
  });

  it('the opt-in signer scrape opens only its operations port to Prometheus, through a PodMonitor', () => {
    const labels = deploymentOf(allOn, 'signer-worker').spec.template.metadata?.labels;
    const rules = selecting(allOn, labels).flatMap((p) => p.spec.ingress ?? []);
    expect(rules.flatMap((r) => r.ports?.map((p) => p.port))).toEqual([9463]);
    expect(ofKind(allOn, 'Service').filter((s) => selects({ matchLabels: (s.spec as { selector?: Record<string, string> }).selector }, labels))).toEqual([]);
    const monitors = ofKind(allOn, 'PodMonitor');
    expect(monitors.map((m) => component(m.metadata.labels))).toEqual(['signer-worker']);
  });

  it('each service may reach only what it needs (DNS, PostgreSQL, NATS; Redis except the gateway; HTTPS for the challenge service)', () => {
    const expected: Record<string, number[]> = {
      'scep-gateway': [53, 4222, 5432],
      'admin-api': [53, 4222, 5432, 6379],
      'policy-service': [53, 4222, 5432, 6379],
      'signer-worker': [53, 4222, 5432, 6379],
      'challenge-service': [53, 443, 4222, 5432, 6379],
    };
    for (const [name, objects] of [['values.yaml', dev], ['values-production.yaml', prod]] as const) {
      for (const s of SERVICES) {
        const ports = selecting(objects, deploymentOf(objects, s).spec.template.metadata?.labels)
          .flatMap((p) => p.spec.egress ?? [])
          .flatMap((r): (number | string)[] => r.ports?.map((p) => p.port) ?? ['any']);
        expect({ values: name, service: s, egressPorts: [...new Set(ports)].sort((a, b) => Number(a) - Number(b)) }).toEqual({ values: name, service: s, egressPorts: expected[s] });
      }
    }
  });

  it('ingress: the gateway from the ingress controller, the admin API from what values name, operations ports from Prometheus', () => {
    const expected: Record<string, number[]> = { 'scep-gateway': [8080, 9460], 'admin-api': [9461], 'policy-service': [9462], 'challenge-service': [9464], 'signer-worker': [] };
    for (const s of SERVICES) {
      const ports = selecting(dev, deploymentOf(dev, s).spec.template.metadata?.labels)
        .flatMap((p) => p.spec.ingress ?? [])
        .flatMap((r): (number | string)[] => r.ports?.map((p) => p.port) ?? ['any']);
      expect({ service: s, ingressPorts: [...new Set(ports)].sort((a, b) => Number(a) - Number(b)) }).toEqual({ service: s, ingressPorts: expected[s] });
    }
    // The admin API's public port only once values name who may reach it (production names a CIDR).
    const adminPorts = selecting(prod, deploymentOf(prod, 'admin-api').spec.template.metadata?.labels).flatMap((p) => p.spec.ingress ?? []);
    expect(adminPorts.find((r) => r.ports?.some((p) => p.port === 8081))?.from).toEqual([{ ipBlock: { cidr: '10.20.0.0/16' } }]);
    // The challenge service's HTTPS egress excludes private ranges.
    const https = selecting(dev, deploymentOf(dev, 'challenge-service').spec.template.metadata?.labels)
      .flatMap((p) => p.spec.egress ?? [])
      .find((r) => r.ports?.some((p) => p.port === 443));
    expect(https?.to).toContainEqual({ ipBlock: { cidr: '0.0.0.0/0', except: expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']) } });
  });
});

describe('services, migration and scaling', () => {
  it('Services: gateway and admin API with public and operations ports, policy and challenge with operations ports, none for the signer', () => {
    for (const [, objects] of renders()) {
      const services = ofKind(objects, 'Service').map((s) => ({
        component: component(s.metadata.labels),
        ports: ((s.spec as { ports: { name: string }[] }).ports ?? []).map((p) => p.name).sort(),
      }));
      expect(services.sort((a, b) => String(a.component).localeCompare(String(b.component)))).toEqual([
        { component: 'admin-api', ports: ['http', 'ops'] },
        { component: 'challenge-service', ports: ['ops'] },
        { component: 'policy-service', ports: ['ops'] },
        { component: 'scep-gateway', ports: ['http', 'ops'] },
      ]);
    }
  });

  it('migrates in a pre-install/pre-upgrade hook Job with a delete policy and a backoff limit', () => {
    for (const [, objects] of renders()) {
      const jobs = ofKind(objects, 'Job');
      expect(jobs).toHaveLength(1);
      const [job] = jobs;
      const a = job.metadata.annotations ?? {};
      expect((a['helm.sh/hook'] ?? '').split(',').sort()).toEqual(['pre-install', 'pre-upgrade']);
      expect(a['helm.sh/hook-delete-policy']).toMatch(/before-hook-creation/);
      const spec = job.spec as { backoffLimit?: number; template: { spec: PodSpec & { restartPolicy: string } } };
      expect(spec.backoffLimit).toBeGreaterThanOrEqual(1);
      expect(spec.template.spec.restartPolicy).toBe('Never');
      const [c] = spec.template.spec.containers;
      expect(c.args).toEqual(['dist/libs/persistence/migrations/src/cli.js']);
      expect(c.env).toContainEqual({ name: 'MIGRATE_CREATE_DATABASE', value: 'false' });
      // What the hook needs exists before it: its ServiceAccount (and, in development, its Secret) are hooks too.
      const sa = ofKind(objects, 'ServiceAccount').find((s) => s.metadata.name === spec.template.spec.serviceAccountName);
      expect(sa?.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(Number(sa?.metadata.annotations?.['helm.sh/hook-weight'])).toBeLessThan(Number(a['helm.sh/hook-weight'] ?? 0));
      for (const m of mountedSecrets(spec.template.spec)) {
        const secret = ofKind(objects, 'Secret').find((s) => s.metadata.name === m.name);
        if (secret) expect(secret.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      }
    }
  });

  it('production: the gateway runs at least 2 replicas under an HPA, the signer under KEDA, everything under a PDB and spread', () => {
    const gateway = deploymentOf(prod, 'scep-gateway');
    const hpa = ofKind(prod, 'HorizontalPodAutoscaler').find((h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === gateway.metadata.name);
    expect(hpa).toBeDefined();
    const hpaSpec = hpa?.spec as { minReplicas: number; maxReplicas: number; metrics: { resource?: { name: string } }[] };
    expect(hpaSpec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpaSpec.maxReplicas).toBeGreaterThan(hpaSpec.minReplicas);
    expect(hpaSpec.metrics.map((m) => m.resource?.name)).toContain('cpu');
    expect(gateway.spec.replicas === undefined || gateway.spec.replicas >= 2).toBe(true);

    const signer = deploymentOf(prod, 'signer-worker');
    const [scaled] = ofKind(prod, 'ScaledObject');
    const scaledSpec = scaled?.spec as { scaleTargetRef: { name: string }; minReplicaCount: number; triggers: { type: string; metadata: { query?: string } }[] };
    expect(scaledSpec.scaleTargetRef.name).toBe(signer.metadata.name);
    expect(scaledSpec.minReplicaCount).toBeGreaterThanOrEqual(2);
    expect(scaledSpec.triggers[0].type).toBe('prometheus');
    expect(scaledSpec.triggers[0].metadata.query).toMatch(/scep_signing_queue_jobs\{state="waiting"/);
    expect(signer.spec.replicas).toBeUndefined(); // KEDA owns it

    for (const s of SERVICES) {
      const d = deploymentOf(prod, s);
      const labels = d.spec.template.metadata?.labels;
      const replicas = d.spec.replicas ?? (s === 'signer-worker' ? scaledSpec.minReplicaCount : hpaSpec.minReplicas);
      expect({ service: s, replicasAtLeast2: replicas >= 2 }).toEqual({ service: s, replicasAtLeast2: true });
      const pdbs = ofKind(prod, 'PodDisruptionBudget').filter((p) => selects((p.spec as { selector: { matchLabels: Record<string, string> } }).selector, labels));
      expect({ service: s, pdbs: pdbs.length }).toEqual({ service: s, pdbs: 1 });
      expect({ service: s, spread: (d.spec.template.spec.topologySpreadConstraints ?? []).length }).toEqual({ service: s, spread: 2 });
    }
  });

  it('development runs one replica of each without autoscaling', () => {
    for (const s of SERVICES) expect({ s, replicas: deploymentOf(dev, s).spec.replicas }).toEqual({ s, replicas: 1 });
    expect(ofKind(dev, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind(dev, 'ScaledObject')).toEqual([]);
  });
});

describe('monitoring objects', () => {
  it('ServiceMonitors scrape the operations ports with job = service name', () => {
    const monitors = ofKind(prod, 'ServiceMonitor');
    expect(monitors.map((m) => component(m.metadata.labels)).sort()).toEqual(['admin-api', 'challenge-service', 'policy-service', 'scep-gateway']);
    for (const m of monitors) {
      const spec = m.spec as { jobLabel: string; endpoints: { port: string; path: string }[] };
      expect(spec.jobLabel).toBe('app.kubernetes.io/component');
      expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'ops', path: '/metrics' })]);
    }
  });

  it('the PrometheusRule carries exactly deploy/observability/prometheus/rules/scep-alerts.rules.yaml', () => {
    const [rule] = ofKind(prod, 'PrometheusRule');
    const file = parse(readFileSync(path.join(observabilityDir, 'prometheus', 'rules', 'scep-alerts.rules.yaml'), 'utf8')) as unknown;
    expect(rule.spec).toEqual(file);
  });

  it('the dashboard ConfigMaps carry exactly the dashboards of deploy/observability/grafana/dashboards', () => {
    const maps = ofKind(prod, 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    expect(maps).toHaveLength(3);
    for (const m of maps) {
      for (const [file, text] of Object.entries(m.data ?? {})) expect(text).toBe(readFileSync(path.join(observabilityDir, 'grafana', 'dashboards', file), 'utf8'));
    }
  });
});
