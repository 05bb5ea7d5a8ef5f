{{/* Names, labels, the image, and what every part's pod shares. */}}

{{- define "jiandu.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "jiandu.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "jiandu.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "jiandu.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "jiandu.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jiandu.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "jiandu.labels" -}}
{{ include "jiandu.selectorLabels" . }}
app.kubernetes.io/part-of: jiandu
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "jiandu.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "jiandu.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "jiandu.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The Secret and key holding the PostgreSQL URL. */}}
{{- define "jiandu.postgresSecretName" -}}
{{- if .Values.postgres.urlSecret.name -}}
{{- .Values.postgres.urlSecret.name -}}
{{- else if .Values.cnpg.enabled -}}
{{- printf "%s-postgres-app" (include "jiandu.fullname" .) -}}
{{- else -}}
{{- fail "postgres.urlSecret.name is required (a Secret holding postgresql://USER:PASSWORD@HOST:PORT/DB), unless cnpg.enabled" -}}
{{- end -}}
{{- end -}}

{{- define "jiandu.kafkaBootstrap" -}}
{{- if .Values.kafka.bootstrap -}}
{{- .Values.kafka.bootstrap -}}
{{- else if .Values.strimzi.enabled -}}
{{- printf "%s-kafka-kafka-bootstrap:9092" (include "jiandu.fullname" .) -}}
{{- else -}}
{{- fail "kafka.bootstrap is required (host:port of the brokers), unless strimzi.enabled" -}}
{{- end -}}
{{- end -}}

{{- define "jiandu.searchUrl" -}}
{{- if .Values.search.url -}}
{{- .Values.search.url -}}
{{- else if .Values.opensearch.enabled -}}
{{- printf "http://%s-search:9200" (include "jiandu.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "jiandu.keysSecret" -}}
{{- required "secrets.existingSecret is required: a Secret with the token secret, the seal key and the ledger key (see values.yaml)" .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Whether the release's own custom resources provide a server (then the migration runs
     after install rather than before, and waits for them). */}}
{{- define "jiandu.operated" -}}
{{- if or .Values.strimzi.enabled .Values.cnpg.enabled .Values.opensearch.enabled -}}true{{- end -}}
{{- end -}}

{{/* The environment of every part. */}}
{{- define "jiandu.env" -}}
- name: JIANDU_ENV
  value: {{ .Values.config.env | quote }}
- name: JIANDU_LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: JIANDU_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "jiandu.keysSecret" . }}
      key: {{ .Values.secrets.tokenSecretKey }}
- name: JIANDU_SEAL_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "jiandu.keysSecret" . }}
      key: {{ .Values.secrets.sealKeyKey }}
- name: JIANDU_LEDGER_KEY_FILE
  value: /var/run/jiandu/ledger/{{ .Values.secrets.ledgerKeyKey }}
- name: JIANDU_STORE
  value: postgres
- name: JIANDU_POSTGRES_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "jiandu.postgresSecretName" . }}
      key: {{ .Values.postgres.urlSecret.key }}
- name: JIANDU_POSTGRES_SCHEMA
  value: {{ .Values.config.postgresSchema | quote }}
- name: JIANDU_VIEWS_SCHEMA
  value: {{ .Values.config.viewsSchema | quote }}
- name: JIANDU_TRANSPORT
  value: kafka
- name: JIANDU_KAFKA_BOOTSTRAP
  value: {{ include "jiandu.kafkaBootstrap" . | quote }}
- name: JIANDU_KAFKA_TOPIC
  value: {{ .Values.config.kafkaTopic | quote }}
- name: JIANDU_KAFKA_PARTITIONS
  value: {{ .Values.config.kafkaPartitions | quote }}
- name: JIANDU_KAFKA_REPLICATION_FACTOR
  value: {{ .Values.config.kafkaReplicationFactor | quote }}
- name: JIANDU_KAFKA_RETENTION_HOURS
  value: {{ .Values.config.kafkaRetentionHours | quote }}
- name: JIANDU_KAFKA_GROUP_PREFIX
  value: {{ .Values.config.kafkaGroupPrefix | quote }}
- name: JIANDU_KAFKA_SECURITY_PROTOCOL
  value: {{ .Values.kafka.securityProtocol | quote }}
{{- if hasPrefix "SASL_" .Values.kafka.securityProtocol }}
- name: JIANDU_KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.sasl.mechanism | quote }}
- name: JIANDU_KAFKA_SASL_USERNAME
  value: {{ .Values.kafka.sasl.username | quote }}
- name: JIANDU_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.sasl.passwordSecret.name }}
      key: {{ .Values.kafka.sasl.passwordSecret.key }}
{{- end }}
{{- if hasSuffix "SSL" .Values.kafka.securityProtocol }}
{{- with .Values.kafka.tls.caSecret }}{{ if .name }}
- name: JIANDU_KAFKA_SSL_CAFILE
  value: /var/run/jiandu/kafka-ca/{{ .key }}
{{- end }}{{ end }}
{{- with .Values.kafka.tls.clientSecret }}{{ if .name }}
- name: JIANDU_KAFKA_SSL_CERTFILE
  value: /var/run/jiandu/kafka-client/{{ .certKey }}
- name: JIANDU_KAFKA_SSL_KEYFILE
  value: /var/run/jiandu/kafka-client/{{ .keyKey }}
{{- end }}{{ end }}
{{- end }}
{{- if .Values.search.urlSecret.name }}
- name: JIANDU_SEARCH_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.search.urlSecret.name }}
      key: {{ .Values.search.urlSecret.key }}
{{- else if (include "jiandu.searchUrl" .) }}
- name: JIANDU_SEARCH_URL
  value: {{ include "jiandu.searchUrl" . | quote }}
{{- end }}
- name: JIANDU_SEARCH_ENGINE
  value: {{ .Values.config.searchEngine | quote }}
- name: JIANDU_SEARCH_INDEX_PREFIX
  value: {{ .Values.config.searchIndexPrefix | quote }}
- name: JIANDU_PUBLIC_RATE_LIMIT
  value: {{ .Values.config.publicRateLimit | quote }}
- name: JIANDU_PUBLIC_RATE_WINDOW
  value: {{ .Values.config.publicRateWindow | quote }}
{{- if .Values.config.rulesConfigMap }}
- name: JIANDU_RULES_FILE
  value: /etc/jiandu/rules/{{ .Values.config.rulesConfigMapKey }}
{{- end }}
{{- with .Values.config.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Volumes every part mounts: a writable /tmp, the ledger key, the rules file. */}}
{{- define "jiandu.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: ledger-key
  secret:
    secretName: {{ include "jiandu.keysSecret" . }}
    defaultMode: 0400
    items:
      - key: {{ .Values.secrets.ledgerKeyKey }}
        path: {{ .Values.secrets.ledgerKeyKey }}
{{- if .Values.config.rulesConfigMap }}
- name: rules
  configMap:
    name: {{ .Values.config.rulesConfigMap }}
{{- end }}
{{- if hasSuffix "SSL" .Values.kafka.securityProtocol }}
{{- with .Values.kafka.tls.caSecret }}{{ if .name }}
- name: kafka-ca
  secret:
    secretName: {{ .name }}
    items:
      - key: {{ .key }}
        path: {{ .key }}
{{- end }}{{ end }}
{{- with .Values.kafka.tls.clientSecret }}{{ if .name }}
- name: kafka-client
  secret:
    secretName: {{ .name }}
    defaultMode: 0400
    items:
      - key: {{ .certKey }}
        path: {{ .certKey }}
      - key: {{ .keyKey }}
        path: {{ .keyKey }}
{{- end }}{{ end }}
{{- end }}
{{- end -}}

{{- define "jiandu.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: ledger-key
  mountPath: /var/run/jiandu/ledger
  readOnly: true
{{- if .Values.config.rulesConfigMap }}
- name: rules
  mountPath: /etc/jiandu/rules
  readOnly: true
{{- end }}
{{- if hasSuffix "SSL" .Values.kafka.securityProtocol }}
{{- if .Values.kafka.tls.caSecret.name }}
- name: kafka-ca
  mountPath: /var/run/jiandu/kafka-ca
  readOnly: true
{{- end }}
{{- if .Values.kafka.tls.clientSecret.name }}
- name: kafka-client
  mountPath: /var/run/jiandu/kafka-client
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by every part (indented by the caller). */}}
{{- define "jiandu.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  {{- include "jiandu.volumes" . | nindent 2 }}
{{- end -}}

{{/* The init container that holds a part until `jiandu migrate` ran for this release. */}}
{{- define "jiandu.awaitMigration" -}}
- name: await-migration
  image: {{ include "jiandu.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args: ["migrate", "--check", "--wait", {{ .Values.migrate.waitSeconds | quote }}]
  env:
    {{- include "jiandu.env" . | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  resources:
    {{- toYaml .Values.migrate.resources | nindent 4 }}
  volumeMounts:
    {{- include "jiandu.volumeMounts" . | nindent 4 }}
{{- end -}}
