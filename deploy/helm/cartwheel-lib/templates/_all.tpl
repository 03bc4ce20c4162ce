{{/*
cartwheel-lib.all renders every object of one service chart. A service chart's only
template is: {{ include "cartwheel-lib.all" . }}
*/}}
{{- define "cartwheel-lib.all" -}}
{{- include "cartwheel-lib.guards" . }}
{{- include "cartwheel-lib.serviceAccount" . }}
{{- include "cartwheel-lib.configMap" . }}
{{- include "cartwheel-lib.deployment" . }}
{{- include "cartwheel-lib.service" . }}
{{- include "cartwheel-lib.hpa" . }}
{{- include "cartwheel-lib.pdb" . }}
{{- include "cartwheel-lib.networkPolicy" . }}
{{- include "cartwheel-lib.migrationJob" . }}
{{- include "cartwheel-lib.serviceMonitor" . }}
{{- include "cartwheel-lib.dashboard" . }}
{{- end -}}

{{- define "cartwheel-lib.serviceAccount" }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end }}

{{- define "cartwheel-lib.configMap" }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
data:
  {{- include "cartwheel-lib.plainEnv" . | nindent 2 }}
{{- end }}

{{- define "cartwheel-lib.ports" -}}
- name: {{ .Values.portName }}
  containerPort: {{ .Values.port }}
  protocol: TCP
- name: admin
  containerPort: {{ .Values.adminPort }}
  protocol: TCP
{{- end -}}

{{- define "cartwheel-lib.deployment" }}
{{- $v := .Values }}
{{- $p := include "cartwheel-lib.prefix" . }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ $v.revisionHistoryLimit }}
  minReadySeconds: {{ $v.minReadySeconds }}
  selector:
    matchLabels:
      {{- include "cartwheel-lib.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: {{ $v.rollingUpdate.maxUnavailable }}
      maxSurge: {{ $v.rollingUpdate.maxSurge }}
  template:
    metadata:
      labels:
        {{- include "cartwheel-lib.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "cartwheel-lib.plainEnv" . | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "cartwheel-lib.fullname" . }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "cartwheel-lib.podSecurityContext" . | nindent 8 }}
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      topologySpreadConstraints:
        {{- range $v.topologySpread.topologyKeys }}
        - maxSkew: {{ $v.topologySpread.maxSkew }}
          topologyKey: {{ . }}
          whenUnsatisfiable: {{ $v.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "cartwheel-lib.selectorLabels" $ | nindent 14 }}
          matchLabelKeys: ["pod-template-hash"]
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ include "cartwheel-lib.name" . }}
          image: {{ include "cartwheel-lib.image" . }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args: ["serve"]
          ports:
            {{- include "cartwheel-lib.ports" . | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "cartwheel-lib.fullname" . }}
          env:
            - name: POD_IP
              valueFrom:
                fieldRef:
                  fieldPath: status.podIP
            # The pod's own IP: the address it listens on is the one it registers in Nacos
            # (an unspecified host such as 0.0.0.0 is refused by pkg/registry/nacos).
            - name: {{ $p }}ADDR
              value: "$(POD_IP):{{ $v.port }}"
            {{- include "cartwheel-lib.secretEnv" . | trim | nindent 12 }}
          startupProbe:
            httpGet:
              path: /healthz
              port: admin
            periodSeconds: {{ $v.probes.startup.periodSeconds }}
            failureThreshold: {{ $v.probes.startup.failureThreshold }}
          # Liveness asks only whether the process answers: a MySQL, Redis, RocketMQ or
          # Nacos outage must not restart every pod (readiness takes them out instead).
          livenessProbe:
            httpGet:
              path: /healthz
              port: admin
            periodSeconds: {{ $v.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ $v.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ $v.probes.liveness.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: admin
            periodSeconds: {{ $v.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ $v.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ $v.probes.readiness.failureThreshold }}
          lifecycle:
            # Endpoints and callers forget the pod before SIGTERM starts the drain. The
            # image has no shell, so this is the kubelet's sleep action, not `sh -c sleep`.
            preStop:
              sleep:
                seconds: {{ $v.shutdown.preStopSleepSeconds }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "cartwheel-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $v.tmpSizeLimit }}
{{- end }}

{{- define "cartwheel-lib.service" }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  selector:
    {{- include "cartwheel-lib.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ .Values.portName }}
      port: {{ .Values.port }}
      targetPort: {{ .Values.portName }}
      protocol: TCP
    - name: admin
      port: {{ .Values.adminPort }}
      targetPort: admin
      protocol: TCP
{{- end }}

{{- define "cartwheel-lib.hpa" }}
{{- if .Values.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "cartwheel-lib.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: {{ .Values.autoscaling.scaleDownStabilizationSeconds }}
{{- end }}
{{- end }}

{{- define "cartwheel-lib.pdb" }}
{{- if .Values.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "cartwheel-lib.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{- define "cartwheel-lib.networkPolicy" }}
{{- $n := .Values.networkPolicy }}
{{- if $n.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "cartwheel-lib.selectorLabels" . | nindent 6 }}
  policyTypes: ["Ingress"]
  ingress:
    # The service port: from the namespace's Cartwheel pods, plus what values allow.
    - ports:
        - port: {{ .Values.portName }}
          protocol: TCP
      from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: cartwheel
        {{- with $n.extraFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    # The admin port (probes come from the kubelet, which policies do not filter):
    # metrics scrapers only.
    - ports:
        - port: admin
          protocol: TCP
      from:
        {{- toYaml $n.adminFrom | nindent 8 }}
{{- end }}
{{- end }}

{{- define "cartwheel-lib.migrationJob" }}
{{- $v := .Values }}
{{- if and $v.database.enabled $v.migration.enabled }}
---
# `<binary> migrate` before the new version's pods start, on install and on every upgrade.
# A pre-install hook runs before the release's ConfigMap and ServiceAccount exist, so the
# Job carries the same plain settings inline and uses no ServiceAccount of the release.
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}-migrate
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ $v.migration.backoffLimit }}
  activeDeadlineSeconds: {{ $v.migration.activeDeadlineSeconds }}
  ttlSecondsAfterFinished: {{ $v.migration.ttlSecondsAfterFinished }}
  template:
    metadata:
      # Not the server's selector labels: the Service, PDB and spread must not count these pods.
      labels:
        app.kubernetes.io/name: {{ include "cartwheel-lib.name" . }}-migration
        app.kubernetes.io/instance: {{ .Release.Name }}
        app.kubernetes.io/component: migration
        app.kubernetes.io/part-of: cartwheel
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "cartwheel-lib.podSecurityContext" . | nindent 8 }}
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "cartwheel-lib.image" . }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args: ["migrate"]
          env:
            {{- range $k, $val := (include "cartwheel-lib.plainEnv" . | fromYaml) }}
            - name: {{ $k }}
              value: {{ $val | quote }}
            {{- end }}
            {{- include "cartwheel-lib.secretEnv" . | trim | nindent 12 }}
          resources:
            {{- toYaml $v.migration.resources | nindent 12 }}
          securityContext:
            {{- include "cartwheel-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $v.tmpSizeLimit }}
{{- end }}
{{- end }}

{{- define "cartwheel-lib.serviceMonitor" }}
{{- if .Values.serviceMonitor.enabled }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
    {{- with .Values.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "cartwheel-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: admin
      path: /metrics
      interval: {{ .Values.serviceMonitor.interval }}
{{- end }}
{{- end }}

{{- define "cartwheel-lib.dashboard" }}
{{- if .Values.dashboard.enabled }}
---
# Picked up by Grafana's dashboard sidecar (label grafana_dashboard).
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "cartwheel-lib.fullname" . }}-dashboard
  labels:
    {{- include "cartwheel-lib.labels" . | nindent 4 }}
    {{ .Values.dashboard.label }}: "1"
data:
  {{ include "cartwheel-lib.name" . }}.json: |-
    {{- .Values.dashboard.json | nindent 4 }}
{{- end }}
{{- end }}
