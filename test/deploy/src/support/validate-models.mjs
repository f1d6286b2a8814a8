// Validates Kubernetes objects against the API schemas shipped by kubernetes-models (plus the prometheus-operator
// and KEDA CRD models). A separate process because those packages are ESM-only and Jest runs CommonJS.
// stdin: JSON array of objects; stdout: JSON array of { index, error } for the objects that fail (or have no model).
import { readFileSync } from 'node:fs';

const modules = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
};

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const [index, object] of objects.entries()) {
  const base = modules[object.apiVersion];
  if (!base) {
    problems.push({ index, error: `no model for apiVersion ${object.apiVersion}` });
    continue;
  }
  let Model;
  try {
    Model = (await import(`${base}/${object.kind}`))[object.kind];
  } catch {
    problems.push({ index, error: `no model for ${object.apiVersion} ${object.kind}` });
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push({ index, error: error.message });
  }
}
process.stdout.write(JSON.stringify(problems));
