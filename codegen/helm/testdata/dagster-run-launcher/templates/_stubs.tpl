{{- define "dagster.fullname" -}}dagster{{- end }}
{{- define "dagster.serviceAccountName" -}}dagster{{- end }}
{{- define "dagster.postgresql.secretName" -}}{{ .Values.global.postgresqlSecretName }}{{- end }}
{{- define "dagster.externalImage.name" -}}{{ .repository }}:{{ .tag }}{{- end }}
