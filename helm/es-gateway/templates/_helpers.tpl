{{- define "es-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "es-gateway.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "es-gateway.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "es-gateway.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "es-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "es-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "es-gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "es-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "es-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "es-gateway.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The durable spool needs a volume per pod that outlives it: a StatefulSet. */}}
{{- define "es-gateway.durable" -}}
{{- if eq .Values.durability.mode "durable" }}true{{ end -}}
{{- end -}}

{{/* Elasticsearch credentials (elasticsearch.auth): the variable, the Secret's key, the inline value. */}}
{{- define "es-gateway.esCredential" -}}
{{- $auth := .Values.elasticsearch.auth -}}
{{- if eq $auth "basic" -}}
{{- dict "env" "ES_PASSWORD_FILE" "key" "password" "value" .Values.elasticsearch.password | toJson -}}
{{- else if eq $auth "apiKey" -}}
{{- dict "env" "ES_API_KEY_FILE" "key" "api-key" "value" .Values.elasticsearch.apiKey | toJson -}}
{{- else if eq $auth "bearer" -}}
{{- dict "env" "ES_BEARER_TOKEN_FILE" "key" "bearer-token" "value" .Values.elasticsearch.bearerToken | toJson -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the credential: the one named, or the chart's (made of the inline value). */}}
{{- define "es-gateway.esSecretName" -}}
{{- if ne .Values.elasticsearch.auth "none" -}}
{{- default (printf "%s-elasticsearch" (include "es-gateway.fullname" .)) .Values.elasticsearch.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "es-gateway.keysSecretName" -}}
{{- default (printf "%s-keys" (include "es-gateway.fullname" .)) .Values.auth.existingSecret -}}
{{- end -}}

{{/* Grace: the preStop sleep, the drain bound, and a margin for the process to exit. */}}
{{- define "es-gateway.terminationGracePeriodSeconds" -}}
{{- add .Values.preStopSleepSeconds (div (add .Values.shutdownTimeoutMs 999) 1000) .Values.terminationGraceMarginSeconds -}}
{{- end -}}
