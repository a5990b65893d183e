{{/* The pod of the Deployment (memory mode) and of the StatefulSet (durable mode). */}}
{{- define "es-gateway.podTemplate" -}}
metadata:
  labels:
    {{- include "es-gateway.labels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- if or .Values.streams .Values.podAnnotations }}
  annotations:
    {{- if .Values.streams }}
    # The streams file is read at start-up only: a change rolls the pods.
    checksum/streams: {{ toJson .Values.streams | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
spec:
  serviceAccountName: {{ include "es-gateway.serviceAccountName" . }}
  automountServiceAccountToken: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  terminationGracePeriodSeconds: {{ include "es-gateway.terminationGracePeriodSeconds" . }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: es-gateway
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      ports:
        - name: http
          containerPort: 8080
          protocol: TCP
      env:
        - name: PORT
          value: "8080"
        {{- if .Values.elasticsearch.cloudId }}
        - name: ES_CLOUD_ID
          value: {{ .Values.elasticsearch.cloudId | quote }}
        {{- else }}
        - name: ES_URL
          value: {{ .Values.elasticsearch.url | quote }}
        {{- end }}
        {{- with .Values.elasticsearch.username }}
        - name: ES_USERNAME
          value: {{ . | quote }}
        {{- end }}
        {{- if ne .Values.elasticsearch.auth "none" }}
        {{- $credential := include "es-gateway.esCredential" . | fromJson }}
        - name: {{ $credential.env }}
          value: /etc/es-gateway/elasticsearch/{{ $credential.key }}
        {{- end }}
        {{- if .Values.elasticsearch.caSecret }}
        - name: ES_CA_FILE
          value: /etc/es-gateway/elasticsearch-ca/ca.crt
        {{- end }}
        {{- with .Values.elasticsearch.caFingerprint }}
        - name: ES_CA_FINGERPRINT
          value: {{ . | quote }}
        {{- end }}
        - name: GATEWAY_AUTH
          value: {{ ternary "on" "off" .Values.auth.enabled | quote }}
        {{- if .Values.auth.enabled }}
        - name: GATEWAY_KEYS_FILE
          value: /etc/es-gateway/keys/keys.json
        {{- end }}
        {{- if .Values.streams }}
        - name: GATEWAY_CONFIG_FILE
          value: /etc/es-gateway/streams/streams.json
        {{- end }}
        - name: GATEWAY_DURABILITY
          value: {{ .Values.durability.mode | quote }}
        - name: GATEWAY_SPOOL_FSYNC
          value: {{ .Values.durability.fsync | quote }}
        - name: GATEWAY_SPOOL_DIR
          value: /var/lib/es-gateway/spool
        - name: GATEWAY_SPOOL_MAX_BYTES
          value: {{ .Values.spool.maxBytes | int64 | quote }}
        - name: GATEWAY_SHUTDOWN_TIMEOUT_MS
          value: {{ .Values.shutdownTimeoutMs | int64 | quote }}
        - name: GATEWAY_RATE_LIMIT_MAX
          value: {{ .Values.rateLimit.max | int64 | quote }}
        - name: GATEWAY_RATE_LIMIT_WINDOW_MS
          value: {{ .Values.rateLimit.windowMs | int64 | quote }}
        {{- if .Values.rateLimit.redis.existingSecret }}
        - name: GATEWAY_RATE_LIMIT_REDIS_URL
          valueFrom:
            secretKeyRef:
              name: {{ .Values.rateLimit.redis.existingSecret }}
              key: {{ .Values.rateLimit.redis.existingSecretKey }}
        {{- else if .Values.rateLimit.redis.url }}
        - name: GATEWAY_RATE_LIMIT_REDIS_URL
          value: {{ .Values.rateLimit.redis.url | quote }}
        {{- end }}
        - name: GATEWAY_RATE_LIMIT_REDIS_FAILURE
          value: {{ .Values.rateLimit.redis.failure | quote }}
        - name: GATEWAY_OPS_ALLOW
          value: {{ .Values.metrics.opsAllow | quote }}
        - name: GATEWAY_WORKERS
          value: {{ .Values.workers | quote }}
        {{- range $name, $value := .Values.env }}
        - name: {{ $name }}
          value: {{ $value | toString | quote }}
        {{- end }}
      lifecycle:
        preStop:
          exec:
            command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
      startupProbe:
        httpGet:
          path: /healthz
          port: http
        periodSeconds: {{ .Values.probes.startup.periodSeconds }}
        failureThreshold: {{ .Values.probes.startup.failureThreshold }}
      livenessProbe:
        httpGet:
          path: /healthz
          port: http
        periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
        timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
        failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
      # 200 "degraded" (Elasticsearch down, the spool accepting) stays ready: README "Kubernetes probes".
      readinessProbe:
        httpGet:
          path: /readyz
          port: http
        periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
        timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
        failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      volumeMounts:
        - name: spool
          mountPath: /var/lib/es-gateway/spool
        - name: tmp
          mountPath: /tmp
        {{- if .Values.auth.enabled }}
        - name: keys
          mountPath: /etc/es-gateway/keys
          readOnly: true
        {{- end }}
        {{- if .Values.streams }}
        - name: streams
          mountPath: /etc/es-gateway/streams
          readOnly: true
        {{- end }}
        {{- if include "es-gateway.esSecretName" . }}
        - name: elasticsearch
          mountPath: /etc/es-gateway/elasticsearch
          readOnly: true
        {{- end }}
        {{- if .Values.elasticsearch.caSecret }}
        - name: elasticsearch-ca
          mountPath: /etc/es-gateway/elasticsearch-ca
          readOnly: true
        {{- end }}
  volumes:
    {{- if not (include "es-gateway.durable" .) }}
    - name: spool
      emptyDir:
        sizeLimit: {{ .Values.spool.emptyDirSizeLimit }}
    {{- end }}
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
    {{- if .Values.auth.enabled }}
    - name: keys
      secret:
        secretName: {{ include "es-gateway.keysSecretName" . }}
        defaultMode: 0440
    {{- end }}
    {{- if .Values.streams }}
    - name: streams
      configMap:
        name: {{ include "es-gateway.fullname" . }}-streams
    {{- end }}
    {{- with include "es-gateway.esSecretName" . }}
    - name: elasticsearch
      secret:
        secretName: {{ . }}
        defaultMode: 0440
    {{- end }}
    {{- with .Values.elasticsearch.caSecret }}
    - name: elasticsearch-ca
      secret:
        secretName: {{ . }}
        defaultMode: 0444
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
