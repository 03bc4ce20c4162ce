{{/*
guards: rendering fails, naming the numbers, when values would break production.
*/}}
{{- define "cartwheel-lib.guards" -}}
{{- $v := .Values -}}
{{- $name := include "cartwheel-lib.fullname" . -}}
{{- /* The pool guard: every pod that can exist at once opens up to maxOpenConns. */ -}}
{{- if $v.database.enabled -}}
{{- $replicas := int $v.replicaCount -}}
{{- $what := printf "replicaCount %d" $replicas -}}
{{- if $v.autoscaling.enabled -}}
{{- $replicas = int $v.autoscaling.maxReplicas -}}
{{- $what = printf "autoscaling.maxReplicas %d" $replicas -}}
{{- end -}}
{{- $surge := include "cartwheel-lib.surgePods" (dict "surge" $v.rollingUpdate.maxSurge "replicas" $replicas) | int -}}
{{- $pool := int $v.database.maxOpenConns -}}
{{- $budget := int $v.database.connectionBudget -}}
{{- $peak := mul (add $replicas $surge) $pool -}}
{{- if gt (int $peak) $budget -}}
{{- fail (printf "%s: DB pool guard: (%s + maxSurge %d) x database.maxOpenConns %d = %d connections, over database.connectionBudget %d; lower maxReplicas or maxOpenConns, or raise the budget only if the MySQL server's max_connections allows it" $name $what $surge $pool (int $peak) $budget) -}}
{{- end -}}
{{- if gt (int $v.database.maxIdleConns) $pool -}}
{{- fail (printf "%s: database.maxIdleConns %d is above database.maxOpenConns %d" $name (int $v.database.maxIdleConns) $pool) -}}
{{- end -}}
{{- end -}}
{{- /* A pod must outlive its own shutdown, or the kubelet kills requests in flight. */ -}}
{{- $s := $v.shutdown -}}
{{- $need := add $s.preStopSleepSeconds $s.registryDrainSeconds $s.drainDelaySeconds $s.inFlightSeconds -}}
{{- if le (int $v.terminationGracePeriodSeconds) (int $need) -}}
{{- fail (printf "%s: terminationGracePeriodSeconds %d must exceed preStop %d + registry drain %d + drain delay %d + in-flight %d = %d seconds" $name (int $v.terminationGracePeriodSeconds) (int $s.preStopSleepSeconds) (int $s.registryDrainSeconds) (int $s.drainDelaySeconds) (int $s.inFlightSeconds) (int $need)) -}}
{{- end -}}
{{- if and $v.secrets.keys (not $v.secrets.existingSecret) -}}
{{- fail (printf "%s: secrets.existingSecret must name the Secret holding %s" $name (keys $v.secrets.keys | sortAlpha | join ", ")) -}}
{{- end -}}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) -}}
{{- fail (printf "%s: autoscaling.minReplicas %d is above maxReplicas %d" $name (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if and $v.dashboard.enabled (not $v.dashboard.json) -}}
{{- fail (printf "%s: dashboard.enabled needs dashboard.json (e.g. --set-file %s.dashboard.json=deploy/observability/dashboards/cartwheel-fleet.json)" $name (include "cartwheel-lib.name" .)) -}}
{{- end -}}
{{- end -}}

{{/* surgePods: maxSurge as a pod count; a percentage rounds up, as the Deployment controller does. */}}
{{- define "cartwheel-lib.surgePods" -}}
{{- if kindIs "string" .surge -}}
{{- $pct := trimSuffix "%" .surge | float64 -}}
{{- ceil (divf (mulf $pct .replicas) 100) | int -}}
{{- else -}}
{{- .surge | int -}}
{{- end -}}
{{- end -}}
