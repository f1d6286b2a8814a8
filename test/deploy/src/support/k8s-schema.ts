// Schema checks of rendered objects:
//  - validateModels: the Kubernetes API's JSON schemas as kubernetes-models ships them (types, required fields, formats)
//  - unknownFields: fields the API does not define (kubernetes-models does not flag them; the API server would drop
//    or reject them). Done by TypeScript's excess-property check: each object becomes an object literal typed with
//    its kubernetes-models interface, so a misspelt or misplaced field is a compile error naming the field.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { K8sObject } from './chart';
import { id } from './chart';
import { toolsDir } from './paths';
import { run } from './tools';

export function validateModels(objects: K8sObject[]): string[] {
  const result = run(process.execPath, [path.join(__dirname, 'validate-models.mjs')], { input: JSON.stringify(objects) });
  if (result.status !== 0) throw new Error(`validate-models.mjs failed:\n${result.stderr}`);
  const problems = JSON.parse(result.stdout) as { index: number; error: string }[];
  return problems.map((p) => `${id(objects[p.index])}: ${p.error}`);
}

const typeModules: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
};

export function unknownFields(objects: K8sObject[]): string[] {
  mkdirSync(toolsDir, { recursive: true });
  const dir = mkdtempSync(path.join(toolsDir, 'typecheck-'));
  try {
    const imports = new Map<string, string>();
    const lines: string[] = [];
    const owners: { from: number; to: number; object: K8sObject }[] = [];
    objects.forEach((o, i) => {
      const base = typeModules[o.apiVersion];
      if (!base) return;
      const alias = `T_${o.apiVersion.replace(/[^a-zA-Z0-9]/g, '_')}_${o.kind}`;
      imports.set(alias, `import type { I${o.kind} as ${alias} } from '${base}/${o.kind}';`);
      const body = JSON.stringify(o, null, 1).split('\n');
      owners.push({ from: lines.length, to: lines.length + body.length, object: o });
      body[0] = `export const o${i}: ${alias} = ${body[0]}`;
      body[body.length - 1] += ';';
      lines.push(...body);
    });
    const header = [...imports.values()];
    const file = path.join(dir, 'objects.mts');
    writeFileSync(file, [...header, ...lines].join('\n'));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
    });
    const source = program.getSourceFile(file);
    const diagnostics = ts.getPreEmitDiagnostics(program, source);
    return diagnostics.map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      if (d.file && d.start !== undefined) {
        const line = d.file.getLineAndCharacterOfPosition(d.start).line - header.length;
        const owner = owners.find((o) => line >= o.from && line < o.to);
        if (owner) return `${id(owner.object)}: ${message} (${d.file.text.split('\n')[line + header.length].trim()})`;
      }
      return message;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
