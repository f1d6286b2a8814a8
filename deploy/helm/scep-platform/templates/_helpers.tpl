{{/*
Names, labels and the per-service facts every template shares. The facts (ports, entry points, environment
prefixes, which secrets and dependencies a service uses) are docs/operations/service-interfaces.md in chart form:
change them together.
*/}}

{{- define "scep-platform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "scep-platform.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "scep-platform.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "scep-platform.labels" -}}
helm.sh/chart: {{ include "scep-platform.chart" . }}
app.kubernetes.io/name: {{ include "scep-platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: scep-platform
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selects every pod of the release (the default-deny NetworkPolicy uses it). */}}
{{- define "scep-platform.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "scep-platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selects the pods of one component: dict "root" $ "component" "scep-gateway". */}}
{{- define "scep-platform.selectorLabels" -}}
{{ include "scep-platform.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component's objects: dict "root" $ "component" "scep-gateway". */}}
{{- define "scep-platform.componentLabels" -}}
{{ include "scep-platform.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
The five services. Keys are the values keys (.Values.gateway, ...). For each:
  name       component, container and Service name suffix (also the Prometheus job label)
  main       entry point in the image
  opsPort    operations port (/healthz, /readyz, /metrics); opsPrefix: its <PREFIX>_OPS_HOST/_PORT variables
  publicPort public HTTP port (gateway, admin API only); publicPrefix: its <PREFIX>_HOST/_PORT variables
  secrets    secret id (key under .Values.secrets) -> the variable the service reads it from (as <VAR>_FILE)
  redis      whether it uses Redis (the gateway does not)
  https      whether it calls out over HTTPS (challenge service: webhooks, Microsoft Intune/Entra)
*/}}
{{- define "scep-platform.serviceDefs" -}}
gateway:
  name: scep-gateway
  main: dist/apps/scep-gateway/src/main.js
  opsPort: 9460
  opsPrefix: SCEP_GATEWAY
  publicPort: 8080
  publicPrefix: SCEP_GATEWAY
  secrets:
    databaseUrl: DATABASE_URL
    raKek: SCEP_GATEWAY_RA_KEK
  redis: false
  https: false
adminApi:
  name: admin-api
  main: dist/apps/admin-api/src/main.js
  opsPort: 9461
  opsPrefix: ADMIN_API
  publicPort: 8081
  publicPrefix: ADMIN_API
  secrets:
    databaseUrl: DATABASE_URL
    bootstrapApiKey: ADMIN_BOOTSTRAP_API_KEY
  redis: true
  https: false
policy:
  name: policy-service
  main: dist/apps/policy-service/src/main.js
  opsPort: 9462
  opsPrefix: POLICY
  secrets:
    databaseUrl: DATABASE_URL
    approvalKey: POLICY_APPROVAL_KEY
  redis: true
  https: false
signer:
  name: signer-worker
  main: dist/apps/signer-worker/src/main.js
  opsPort: 9463
  opsPrefix: SIGNER
  secrets:
    databaseUrl: DATABASE_URL
    caKek: SIGNER_CA_KEK
    raKek: SIGNER_RA_KEK
    approvalKey: SIGNER_APPROVAL_KEY
  redis: true
  https: false
challenge:
  name: challenge-service
  main: dist/apps/challenge-service/src/main.js
  opsPort: 9464
  opsPrefix: CHALLENGE
  secrets:
    databaseUrl: DATABASE_URL
    challengePepper: CHALLENGE_PEPPER
  redis: true
  https: true
{{- end -}}

{{/* Where secret files are mounted; each file is named after its secret id. */}}
{{- define "scep-platform.secretsDir" -}}/run/secrets/scep{{- end -}}

{{/* The image reference: digest wins over tag; the tag defaults to the chart's appVersion. */}}
{{- define "scep-platform.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
Name of the Secret holding one secret: dict "root" $ "id" "caKek".
The operator's existing Secret when named; otherwise the one this chart creates from the dev value, which the chart
refuses to do when .Values.production is true (values-production.yaml).
*/}}
{{- define "scep-platform.secretName" -}}
{{- $s := index .root.Values.secrets .id -}}
{{- if $s.existingSecret -}}
{{- $s.existingSecret -}}
{{- else if .root.Values.production -}}
{{- fail (printf "secrets.%s.existingSecret is required when production=true: create the Secret (docs/operations/runbook.md#secrets) and name it here; the chart never uses its dev placeholders in production" .id) -}}
{{- else -}}
{{- printf "%s-%s" (include "scep-platform.fullname" .root) (.id | kebabcase) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Whether a secret is in use: the Redis URL secret only when one is named. */}}
{{- define "scep-platform.secretEnabled" -}}
{{- $s := index .root.Values.secrets .id -}}
{{- if eq .id "redisUrl" -}}
{{- if $s.existingSecret }}true{{ end -}}
{{- else if eq .id "bootstrapApiKey" -}}
{{- if $s.enabled }}true{{ end -}}
{{- else -}}
true
{{- end -}}
{{- end -}}

{{/*
The secrets one service mounts: a map id -> variable (without _FILE). dict "root" $ "def" $def.
Adds the Redis URL when the service uses Redis and it comes from a Secret.
*/}}
{{- define "scep-platform.serviceSecrets" -}}
{{- $out := dict -}}
{{- range $id, $var := .def.secrets -}}
{{- if include "scep-platform.secretEnabled" (dict "root" $.root "id" $id) -}}
{{- $_ := set $out $id $var -}}
{{- end -}}
{{- end -}}
{{- if and .def.redis (include "scep-platform.secretEnabled" (dict "root" .root "id" "redisUrl")) -}}
{{- $_ := set $out "redisUrl" "REDIS_URL" -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* A projected volume with exactly the given secrets: dict "root" $ "secrets" (map id -> variable). */}}
{{- define "scep-platform.secretsVolume" -}}
- name: secrets
  projected:
    defaultMode: 0440
    sources:
      {{- range $id, $var := .secrets }}
      {{- $s := index $.root.Values.secrets $id }}
      - secret:
          name: {{ include "scep-platform.secretName" (dict "root" $.root "id" $id) }}
          items:
            - key: {{ $s.key }}
              path: {{ $id | kebabcase }}
      {{- end }}
{{- end -}}

{{/* The <VAR>_FILE variables for the given secrets: dict "root" $ "secrets" (map id -> variable). */}}
{{- define "scep-platform.secretsEnv" -}}
{{- range $id, $var := .secrets }}
- name: {{ $var }}_FILE
  value: {{ include "scep-platform.secretsDir" $.root }}/{{ $id | kebabcase }}
{{- end }}
{{- end -}}

{{/* Pod-level security context (values), always with RuntimeDefault seccomp. */}}
{{- define "scep-platform.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end -}}

{{/* Container-level security context (values). */}}
{{- define "scep-platform.containerSecurityContext" -}}
{{ toYaml .Values.containerSecurityContext }}
{{- end -}}

{{/* A probe on a port name of the container: dict "path" "/healthz" "port" "ops" "probe" $probeValues. */}}
{{- define "scep-platform.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{ toYaml .probe }}
{{- end -}}

{{/*
The signer's probe: it accepts no connection from outside its container, so the kubelet runs node inside it against
127.0.0.1. dict "path" "/readyz" "port" 9463 "probe" $probeValues. Exit 0 on a 2xx answer, 1 otherwise, including
no answer half a second before the probe's own timeout (/readyz waits up to 2 s for the dependencies).
*/}}
{{- define "scep-platform.execProbe" -}}
exec:
  command:
    - node
    - -e
    - {{ printf "fetch('http://127.0.0.1:%v%s',{signal:AbortSignal.timeout(%d)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" .port .path (sub (mul .probe.timeoutSeconds 1000) 500) | quote }}
{{ toYaml .probe }}
{{- end -}}
