{{/*
Names and labels. A release of one chart is one track (stable or canary) of one binary.
*/}}
{{- define "cartwheel-lib.name" -}}
{{- .Chart.Name -}}
{{- end -}}

{{- define "cartwheel-lib.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cartwheel-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cartwheel-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cartwheel-lib.labels" -}}
{{ include "cartwheel-lib.selectorLabels" . }}
app.kubernetes.io/version: {{ include "cartwheel-lib.tag" . | quote }}
app.kubernetes.io/part-of: cartwheel
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
cartwheel.io/track: {{ .Values.track }}
{{- end -}}

{{- define "cartwheel-lib.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "cartwheel-lib.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (include "cartwheel-lib.tag" .) -}}
{{- end -}}
{{- end -}}

{{/* The binary's variable prefix: ORDER_ for the order chart. */}}
{{- define "cartwheel-lib.prefix" -}}
{{- printf "%s_" (upper .Chart.Name) -}}
{{- end -}}

{{/*
plainEnv: every plain setting as a dict NAME -> value, the one source of the ConfigMap
(read by the Deployment) and of the migration Job's env (a pre-install hook runs before
the ConfigMap exists).
*/}}
{{- define "cartwheel-lib.plainEnv" -}}
{{- $p := include "cartwheel-lib.prefix" . -}}
{{- $v := .Values -}}
{{- $e := dict -}}
{{- $_ := set $e (printf "%sADMIN_ADDR" $p) (printf "0.0.0.0:%d" (int $v.adminPort)) -}}
{{- $_ = set $e (printf "%sLOG_LEVEL" $p) $v.logLevel -}}
{{- $_ = set $e (printf "%sDRAIN_DELAY" $p) (printf "%ds" (int $v.shutdown.drainDelaySeconds)) -}}
{{- $_ = set $e (printf "%sREGISTRY_DRIVER" $p) "nacos" -}}
{{- $_ = set $e (printf "%sREGISTRY_NACOS_ADDR" $p) $v.nacos.addr -}}
{{- $_ = set $e (printf "%sREGISTRY_NACOS_GROUP" $p) $v.nacos.group -}}
{{- if $v.nacos.namespace }}{{ $_ = set $e (printf "%sREGISTRY_NACOS_NAMESPACE" $p) $v.nacos.namespace }}{{ end -}}
{{- $_ = set $e (printf "%sREGISTRY_NACOS_TRACK" $p) $v.track -}}
{{- $_ = set $e (printf "%sREGISTRY_NACOS_DRAIN" $p) (printf "%ds" (int $v.shutdown.registryDrainSeconds)) -}}
{{- $_ = set $e (printf "%sREGISTRY_NACOS_LOG_DIR" $p) "/tmp/nacos/log" -}}
{{- $_ = set $e (printf "%sREGISTRY_NACOS_CACHE_DIR" $p) "/tmp/nacos/cache" -}}
{{- with $v.live -}}
{{- $_ = set $e (printf "%sLIVE_SOURCE" $p) .source -}}
{{- $_ = set $e (printf "%sLIVE_DATA_ID" $p) .dataId -}}
{{- if eq .source "nacos" -}}
{{- $_ = set $e (printf "%sLIVE_NACOS_ADDR" $p) $v.nacos.addr -}}
{{- $_ = set $e (printf "%sLIVE_NACOS_GROUP" $p) $v.nacos.group -}}
{{- if $v.nacos.namespace }}{{ $_ = set $e (printf "%sLIVE_NACOS_NAMESPACE" $p) $v.nacos.namespace }}{{ end -}}
{{- $_ = set $e (printf "%sLIVE_NACOS_LOG_DIR" $p) "/tmp/nacos/log" -}}
{{- $_ = set $e (printf "%sLIVE_NACOS_CACHE_DIR" $p) "/tmp/nacos/cache" -}}
{{- end -}}
{{- $_ = set $e (printf "%sCANARY_SHARE" $p) (toString .canarySharePercent) -}}
{{- $_ = set $e (printf "%sRATE_PER_IP" $p) (toString .ratePerIP) -}}
{{- $_ = set $e (printf "%sBURST_PER_IP" $p) (toString (int .burstPerIP)) -}}
{{- $_ = set $e (printf "%sRATE_PER_USER" $p) (toString .ratePerUser) -}}
{{- $_ = set $e (printf "%sBURST_PER_USER" $p) (toString (int .burstPerUser)) -}}
{{- end -}}
{{- if $v.database.enabled -}}
{{- $_ = set $e (printf "%sDB_DRIVER" $p) "mysql" -}}
{{- $_ = set $e (printf "%sDB_MAX_OPEN_CONNS" $p) (toString (int $v.database.maxOpenConns)) -}}
{{- $_ = set $e (printf "%sDB_MAX_IDLE_CONNS" $p) (toString (int $v.database.maxIdleConns)) -}}
{{- $_ = set $e (printf "%sDB_CONN_MAX_LIFETIME" $p) $v.database.connMaxLifetime -}}
{{- end -}}
{{- if $v.messaging.enabled -}}
{{- $_ = set $e (printf "%sMQ_DRIVER" $p) "rocketmq" -}}
{{- $_ = set $e (printf "%sMQ_ROCKETMQ_NAMESRV" $p) $v.messaging.namesrv -}}
{{- $_ = set $e (printf "%sMQ_ROCKETMQ_INSTANCE_PREFIX" $p) (include "cartwheel-lib.fullname" .) -}}
{{- end -}}
{{- if $v.redis.enabled -}}
{{- $_ = set $e (printf "%sREDIS_ADDR" $p) $v.redis.addr -}}
{{- end -}}
{{- if $v.otel.endpoint -}}
{{- $_ = set $e "OTEL_EXPORTER_OTLP_ENDPOINT" $v.otel.endpoint -}}
{{- $_ = set $e "OTEL_TRACES_SAMPLER" "parentbased_traceidratio" -}}
{{- $_ = set $e "OTEL_TRACES_SAMPLER_ARG" (toString $v.otel.samplerRatio) -}}
{{- end -}}
{{- $_ = set $e "OTEL_SERVICE_NAME" (include "cartwheel-lib.name" .) -}}
{{- range $k, $val := $v.env -}}
{{- $_ = set $e (printf "%s%s" $p $k) (toString $val) -}}
{{- end -}}
{{- toYaml $e -}}
{{- end -}}

{{/* secretEnv: env entries read from the existing Secret, never a value of the chart. */}}
{{- define "cartwheel-lib.secretEnv" -}}
{{- $p := include "cartwheel-lib.prefix" . -}}
{{- $s := .Values.secrets -}}
{{- range $var, $ref := $s.keys }}
- name: {{ printf "%s%s" $p $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $s.existingSecret }}
      key: {{ $ref.key }}
      optional: {{ $ref.optional | default false }}
{{- end }}
{{- end -}}

{{- define "cartwheel-lib.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "cartwheel-lib.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
