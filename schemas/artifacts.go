package schemas

// ContractVersion is the CompiledArtifacts contract version floe writes.
const ContractVersion = "0.10.0"

// ReferenceFloeVersion is the value the reference compiler writes to
// metadata.floe_version; floe keeps it so the contract stays byte-compatible.
const ReferenceFloeVersion = "0.3.0"

// CompiledArtifacts is the 0.10.0 contract (compiled_artifacts.json). Field order is
// the serialization order; every field is always written (explicit nulls), as the
// reference does. Do not add fields: the reference's Pydantic model forbids extras.
type CompiledArtifacts struct {
	Version           string                    `json:"version" jsonschema:"pattern=^\\d+\\.\\d+\\.\\d+$,default=0.10.0"`
	Metadata          CompilationMetadata       `json:"metadata" jsonschema:"required"`
	Identity          ProductIdentity           `json:"identity" jsonschema:"required"`
	Mode              string                    `json:"mode" jsonschema:"enum=simple,enum=centralized,enum=mesh,default=simple"`
	InheritanceChain  []ManifestRef             `json:"inheritance_chain"`
	Observability     ObservabilityConfig       `json:"observability" jsonschema:"required"`
	Plugins           *ResolvedPlugins          `json:"plugins" jsonschema:"nullable"`
	Transforms        *ResolvedTransforms       `json:"transforms" jsonschema:"nullable"`
	DbtProfiles       *Map                      `json:"dbt_profiles" jsonschema:"nullable"`
	Governance        *ResolvedGovernance       `json:"governance" jsonschema:"nullable"`
	EnforcementResult *EnforcementResultSummary `json:"enforcement_result" jsonschema:"nullable"`
	DataContracts     []Map                     `json:"data_contracts"`
	QualityConfig     *QualityConfig            `json:"quality_config" jsonschema:"nullable"`
}

// CompilationMetadata says when, by what and from which inputs the artifact was built.
type CompilationMetadata struct {
	CompiledAt     string `json:"compiled_at" jsonschema:"required,format=date-time"`
	FloeVersion    string `json:"floe_version" jsonschema:"required"`
	SourceHash     string `json:"source_hash" jsonschema:"required"`
	ProductName    string `json:"product_name" jsonschema:"required,minLength=1,maxLength=128,pattern=^[a-zA-Z][a-zA-Z0-9_-]*$"`
	ProductVersion string `json:"product_version" jsonschema:"required"`
}

// ProductIdentity identifies the product in the catalog.
type ProductIdentity struct {
	ProductID             string  `json:"product_id" jsonschema:"required,minLength=1"`
	Domain                string  `json:"domain" jsonschema:"required,minLength=1"`
	Repository            string  `json:"repository" jsonschema:"required"`
	NamespaceRegistered   bool    `json:"namespace_registered"`
	RegistrationTimestamp *string `json:"registration_timestamp" jsonschema:"nullable,format=date-time"`
}

// ManifestRef is one manifest of the inheritance chain.
type ManifestRef struct {
	Name    string `json:"name" jsonschema:"required"`
	Version string `json:"version" jsonschema:"required"`
	Scope   string `json:"scope" jsonschema:"required,enum=enterprise,enum=domain"`
	Ref     string `json:"ref" jsonschema:"required"`
}

// ObservabilityConfig is telemetry and lineage as the runtime sees them.
type ObservabilityConfig struct {
	Telemetry        TelemetryConfig `json:"telemetry" jsonschema:"required"`
	Lineage          bool            `json:"lineage"`
	LineageNamespace string          `json:"lineage_namespace" jsonschema:"required,minLength=1"`
	LineageEndpoint  *string         `json:"lineage_endpoint" jsonschema:"nullable"`
	LineageTransport *string         `json:"lineage_transport" jsonschema:"nullable,enum=http,enum=console,enum=noop"`
}

// TelemetryConfig is the OpenTelemetry configuration.
type TelemetryConfig struct {
	Enabled            bool                     `json:"enabled"`
	OTLPEndpoint       string                   `json:"otlp_endpoint"`
	OTLPProtocol       string                   `json:"otlp_protocol" jsonschema:"enum=grpc,enum=http"`
	Sampling           SamplingConfig           `json:"sampling"`
	ResourceAttributes ResourceAttributes       `json:"resource_attributes" jsonschema:"required"`
	Authentication     *TelemetryAuth           `json:"authentication" jsonschema:"nullable"`
	BatchProcessor     BatchSpanProcessorConfig `json:"batch_processor"`
	Logging            LoggingConfig            `json:"logging"`
	Backend            string                   `json:"backend"`
}

// SamplingConfig holds trace sampling ratios per environment.
type SamplingConfig struct {
	Dev     Float `json:"dev" jsonschema:"minimum=0,maximum=1"`
	Staging Float `json:"staging" jsonschema:"minimum=0,maximum=1"`
	Prod    Float `json:"prod" jsonschema:"minimum=0,maximum=1"`
}

// ResourceAttributes are the OpenTelemetry resource attributes.
type ResourceAttributes struct {
	ServiceName           string `json:"service_name" jsonschema:"required,minLength=1,maxLength=128"`
	ServiceVersion        string `json:"service_version" jsonschema:"required,pattern=^\\d+\\.\\d+\\.\\d+.*$"`
	DeploymentEnvironment string `json:"deployment_environment" jsonschema:"required,enum=dev,enum=staging,enum=prod"`
	FloeNamespace         string `json:"floe_namespace" jsonschema:"required,minLength=1,maxLength=128"`
	FloeProductName       string `json:"floe_product_name" jsonschema:"required,minLength=1,maxLength=128"`
	FloeProductVersion    string `json:"floe_product_version" jsonschema:"required"`
	FloeMode              string `json:"floe_mode" jsonschema:"required,enum=dev,enum=staging,enum=prod"`
}

// TelemetryAuth is OTLP exporter authentication (never filled by compile).
type TelemetryAuth struct {
	AuthType    string  `json:"auth_type" jsonschema:"required,enum=api_key,enum=bearer"`
	APIKey      *string `json:"api_key" jsonschema:"nullable"`
	BearerToken *string `json:"bearer_token" jsonschema:"nullable"`
	HeaderName  string  `json:"header_name"`
}

// BatchSpanProcessorConfig tunes span export batching.
type BatchSpanProcessorConfig struct {
	MaxQueueSize        int `json:"max_queue_size" jsonschema:"exclusiveMinimum=0"`
	MaxExportBatchSize  int `json:"max_export_batch_size" jsonschema:"exclusiveMinimum=0"`
	ScheduleDelayMillis int `json:"schedule_delay_millis" jsonschema:"exclusiveMinimum=0"`
	ExportTimeoutMillis int `json:"export_timeout_millis" jsonschema:"exclusiveMinimum=0"`
}

// LoggingConfig is the runtime log configuration.
type LoggingConfig struct {
	LogLevel   string `json:"log_level" jsonschema:"enum=DEBUG,enum=INFO,enum=WARNING,enum=ERROR,enum=CRITICAL"`
	JSONOutput bool   `json:"json_output"`
}

// ResolvedPlugins are the plugin selections after resolution.
type ResolvedPlugins struct {
	Compute        PluginRef  `json:"compute" jsonschema:"required"`
	Orchestrator   PluginRef  `json:"orchestrator" jsonschema:"required"`
	Catalog        *PluginRef `json:"catalog" jsonschema:"nullable"`
	Storage        *PluginRef `json:"storage" jsonschema:"nullable"`
	Ingestion      *PluginRef `json:"ingestion" jsonschema:"nullable"`
	Semantic       *PluginRef `json:"semantic" jsonschema:"nullable"`
	LineageBackend *PluginRef `json:"lineage_backend" jsonschema:"nullable"`
}

// PluginRef is one resolved plugin; Config is copied verbatim from the manifest.
type PluginRef struct {
	Type    string `json:"type" jsonschema:"required,minLength=1"`
	Version string `json:"version" jsonschema:"required,pattern=^\\d+\\.\\d+\\.\\d+$"`
	Config  *Map   `json:"config" jsonschema:"nullable"`
}

// ResolvedTransforms are the product's models with their compute target.
type ResolvedTransforms struct {
	Models         []ResolvedModel `json:"models" jsonschema:"required,minItems=1"`
	DefaultCompute string          `json:"default_compute" jsonschema:"required,minLength=1"`
}

// ResolvedModel is one transform after resolution.
type ResolvedModel struct {
	Name          string         `json:"name" jsonschema:"required,minLength=1"`
	Compute       string         `json:"compute" jsonschema:"required,minLength=1"`
	Tags          []string       `json:"tags" jsonschema:"nullable"`
	DependsOn     []string       `json:"depends_on" jsonschema:"nullable"`
	QualityChecks []QualityCheck `json:"quality_checks" jsonschema:"nullable"`
	QualityTier   *string        `json:"quality_tier" jsonschema:"nullable,enum=bronze,enum=silver,enum=gold"`
}

// ResolvedGovernance is the manifest's governance scalars, capped for the runtime.
type ResolvedGovernance struct {
	PIIEncryption          *string `json:"pii_encryption" jsonschema:"nullable,enum=required,enum=optional"`
	AuditLogging           *string `json:"audit_logging" jsonschema:"nullable,enum=enabled,enum=disabled"`
	PolicyEnforcementLevel *string `json:"policy_enforcement_level" jsonschema:"nullable,enum=off,enum=warn,enum=strict"`
	DataRetentionDays      *int    `json:"data_retention_days" jsonschema:"nullable,minimum=1"`
	DefaultTTLHours        *int    `json:"default_ttl_hours" jsonschema:"nullable,minimum=1,maximum=8760"`
	SnapshotKeepLast       *int    `json:"snapshot_keep_last" jsonschema:"nullable,minimum=1,maximum=100"`
	StaleTableRecoveryMode *string `json:"stale_table_recovery_mode" jsonschema:"nullable,enum=strict,enum=repair"`
}

// EnforcementResultSummary summarises the policy checks of the compile.
type EnforcementResultSummary struct {
	Passed             bool     `json:"passed" jsonschema:"required"`
	ErrorCount         int      `json:"error_count" jsonschema:"required,minimum=0"`
	WarningCount       int      `json:"warning_count" jsonschema:"required,minimum=0"`
	PolicyTypesChecked []string `json:"policy_types_checked" jsonschema:"required"`
	ModelsValidated    int      `json:"models_validated" jsonschema:"required,minimum=0"`
	EnforcementLevel   string   `json:"enforcement_level" jsonschema:"required,enum=off,enum=warn,enum=strict"`
	RBACPrincipal      *string  `json:"rbac_principal" jsonschema:"nullable"`
	SecretsScanned     int      `json:"secrets_scanned" jsonschema:"minimum=0"`
}
