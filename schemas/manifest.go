package schemas

// Manifest is manifest.yaml: the platform, described once by the platform team.
// Unknown top-level keys are warnings (a newer manifest may carry them); unknown
// nested keys are errors.
type Manifest struct {
	APIVersion       string                            `json:"apiVersion" jsonschema:"required,enum=floe.dev/v1"`
	Kind             string                            `json:"kind" jsonschema:"required,enum=Manifest"`
	Metadata         ManifestMetadata                  `json:"metadata" jsonschema:"required"`
	Scope            *string                           `json:"scope,omitempty" jsonschema:"nullable,enum=enterprise,enum=domain"`
	ParentManifest   *string                           `json:"parent_manifest,omitempty" jsonschema:"nullable,description=Local path (relative to this manifest) of the parent manifest; scope domain only."`
	Plugins          PluginsConfig                     `json:"plugins" jsonschema:"required"`
	Governance       *GovernanceConfig                 `json:"governance,omitempty" jsonschema:"nullable"`
	ApprovedPlugins  map[string][]string               `json:"approved_plugins,omitempty" jsonschema:"nullable"`
	ApprovedSinks    []string                          `json:"approved_sinks,omitempty" jsonschema:"nullable"`
	ApprovedProducts []string                          `json:"approved_products,omitempty" jsonschema:"nullable"`
	Defaults         map[string]string                 `json:"defaults,omitempty" jsonschema:"nullable"`
	Artifacts        *ArtifactsConfig                  `json:"artifacts,omitempty" jsonschema:"nullable"`
	Observability    *ObservabilityManifest            `json:"observability,omitempty" jsonschema:"nullable"`
	ResourcePresets  map[string]ManifestResourcePreset `json:"resource_presets,omitempty" jsonschema:"nullable"`
}

// ManifestMetadata names the manifest.
type ManifestMetadata struct {
	Name        string  `json:"name" jsonschema:"required,minLength=1,maxLength=63,pattern=^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$"`
	Version     string  `json:"version" jsonschema:"required,pattern=^\\d+\\.\\d+\\.\\d+$"`
	Owner       string  `json:"owner" jsonschema:"required,minLength=1"`
	Description *string `json:"description,omitempty" jsonschema:"nullable,maxLength=500"`
}

// PluginsConfig selects one plugin per category.
type PluginsConfig struct {
	Compute          *PluginSelection `json:"compute,omitempty" jsonschema:"nullable"`
	Orchestrator     *PluginSelection `json:"orchestrator,omitempty" jsonschema:"nullable"`
	Catalog          *PluginSelection `json:"catalog,omitempty" jsonschema:"nullable"`
	Storage          *PluginSelection `json:"storage,omitempty" jsonschema:"nullable"`
	SemanticLayer    *PluginSelection `json:"semantic_layer,omitempty" jsonschema:"nullable"`
	Ingestion        *PluginSelection `json:"ingestion,omitempty" jsonschema:"nullable"`
	Secrets          *PluginSelection `json:"secrets,omitempty" jsonschema:"nullable"`
	TelemetryBackend *PluginSelection `json:"telemetry_backend,omitempty" jsonschema:"nullable"`
	LineageBackend   *PluginSelection `json:"lineage_backend,omitempty" jsonschema:"nullable"`
	Identity         *PluginSelection `json:"identity,omitempty" jsonschema:"nullable"`
	Dbt              *PluginSelection `json:"dbt,omitempty" jsonschema:"nullable"`
	Quality          *QualityConfig   `json:"quality,omitempty" jsonschema:"nullable"`
}

// PluginSelection is one plugin choice; Config is free-form and copied verbatim.
type PluginSelection struct {
	Type                string  `json:"type" jsonschema:"required,minLength=1"`
	Version             *string `json:"version,omitempty" jsonschema:"nullable,pattern=^\\d+\\.\\d+\\.\\d+$"`
	Config              *Map    `json:"config,omitempty" jsonschema:"nullable"`
	ConnectionSecretRef *string `json:"connection_secret_ref,omitempty" jsonschema:"nullable,maxLength=253,pattern=^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$,description=Name of the Kubernetes Secret holding this plugin's credentials."`
}

// GovernanceConfig is platform policy.
type GovernanceConfig struct {
	PIIEncryption          *string                `json:"pii_encryption,omitempty" jsonschema:"nullable,enum=required,enum=optional"`
	AuditLogging           *string                `json:"audit_logging,omitempty" jsonschema:"nullable,enum=enabled,enum=disabled"`
	PolicyEnforcementLevel *string                `json:"policy_enforcement_level,omitempty" jsonschema:"nullable,enum=off,enum=warn,enum=strict"`
	DataRetentionDays      *int                   `json:"data_retention_days,omitempty" jsonschema:"nullable,minimum=1"`
	DefaultTTLHours        *int                   `json:"default_ttl_hours,omitempty" jsonschema:"nullable,minimum=1"`
	SnapshotKeepLast       *int                   `json:"snapshot_keep_last,omitempty" jsonschema:"nullable,minimum=1"`
	StaleTableRecoveryMode *string                `json:"stale_table_recovery_mode,omitempty" jsonschema:"nullable,enum=strict,enum=repair"`
	Naming                 *NamingConfig          `json:"naming,omitempty" jsonschema:"nullable"`
	QualityGates           *QualityGatesConfig    `json:"quality_gates,omitempty" jsonschema:"nullable"`
	CustomRules            []CustomRule           `json:"custom_rules,omitempty"`
	PolicyOverrides        []PolicyOverride       `json:"policy_overrides,omitempty"`
	DataContracts          *DataContractsConfig   `json:"data_contracts,omitempty" jsonschema:"nullable"`
	RBAC                   *RBACConfig            `json:"rbac,omitempty" jsonschema:"nullable"`
	SecretScanning         *SecretScanningConfig  `json:"secret_scanning,omitempty" jsonschema:"nullable"`
	NetworkPolicies        *NetworkPoliciesConfig `json:"network_policies,omitempty" jsonschema:"nullable"`
	Policies               []PolicyDefinition     `json:"policies,omitempty" jsonschema:"nullable"`
}

// NamingConfig is the model naming convention.
type NamingConfig struct {
	Enforcement    *string  `json:"enforcement,omitempty" jsonschema:"enum=off,enum=warn,enum=strict,default=warn"`
	Pattern        *string  `json:"pattern,omitempty" jsonschema:"enum=medallion,enum=kimball,enum=custom,default=medallion"`
	CustomPatterns []string `json:"custom_patterns,omitempty" jsonschema:"nullable"`
}

// QualityGatesConfig are coverage and documentation gates.
type QualityGatesConfig struct {
	MinimumTestCoverage        *int             `json:"minimum_test_coverage,omitempty" jsonschema:"minimum=0,maximum=100,default=80"`
	RequireDescriptions        *bool            `json:"require_descriptions,omitempty"`
	RequireColumnDescriptions  *bool            `json:"require_column_descriptions,omitempty"`
	BlockOnFailure             *bool            `json:"block_on_failure,omitempty"`
	LayerThresholds            *LayerThresholds `json:"layer_thresholds,omitempty" jsonschema:"nullable"`
	ZeroColumnCoverageBehavior *string          `json:"zero_column_coverage_behavior,omitempty" jsonschema:"enum=report_100_percent,enum=report_na"`
}

// LayerThresholds are coverage thresholds per medallion layer.
type LayerThresholds struct {
	Bronze *int `json:"bronze,omitempty" jsonschema:"minimum=0,maximum=100"`
	Silver *int `json:"silver,omitempty" jsonschema:"minimum=0,maximum=100"`
	Gold   *int `json:"gold,omitempty" jsonschema:"minimum=0,maximum=100"`
}

// CustomRule is a governance rule discriminated by Type.
type CustomRule struct {
	Type         string   `json:"type" jsonschema:"required,enum=require_tags_for_prefix,enum=require_meta_field,enum=require_tests_of_type"`
	Prefix       *string  `json:"prefix,omitempty" jsonschema:"minLength=1"`
	RequiredTags []string `json:"required_tags,omitempty" jsonschema:"minItems=1"`
	Field        *string  `json:"field,omitempty" jsonschema:"minLength=1"`
	Required     *bool    `json:"required,omitempty"`
	TestTypes    []string `json:"test_types,omitempty" jsonschema:"minItems=1"`
	MinColumns   *int     `json:"min_columns,omitempty" jsonschema:"minimum=1"`
	AppliesTo    *string  `json:"applies_to,omitempty"`
}

// PolicyOverride downgrades or excludes a policy for matching models.
type PolicyOverride struct {
	Pattern     string   `json:"pattern" jsonschema:"required,minLength=1"`
	Action      string   `json:"action" jsonschema:"required,enum=downgrade,enum=exclude"`
	Reason      string   `json:"reason" jsonschema:"required,minLength=1"`
	Expires     *string  `json:"expires,omitempty" jsonschema:"nullable,format=date"`
	PolicyTypes []string `json:"policy_types,omitempty" jsonschema:"nullable,enum=naming,enum=coverage,enum=documentation,enum=semantic,enum=custom,enum=data_contract,enum=rbac,enum=secret_scanning,enum=network_policy"`
}

// DataContractsConfig configures data-contract checks.
type DataContractsConfig struct {
	Enforcement     *string               `json:"enforcement,omitempty" jsonschema:"enum=off,enum=warn,enum=strict"`
	AutoGeneration  *AutoGenerationConfig `json:"auto_generation,omitempty"`
	DriftDetection  *DriftDetectionConfig `json:"drift_detection,omitempty"`
	InheritanceMode *string               `json:"inheritance_mode,omitempty" jsonschema:"enum=merge,enum=override,enum=strict"`
}

// AutoGenerationConfig configures generated data contracts.
type AutoGenerationConfig struct {
	Enabled               *bool   `json:"enabled,omitempty"`
	IncludeDescriptions   *bool   `json:"include_descriptions,omitempty"`
	DefaultClassification *string `json:"default_classification,omitempty" jsonschema:"enum=public,enum=internal,enum=confidential,enum=pii,enum=phi,enum=sensitive,enum=restricted"`
}

// DriftDetectionConfig configures schema drift checks.
type DriftDetectionConfig struct {
	Enabled             *bool `json:"enabled,omitempty"`
	FailOnTypeMismatch  *bool `json:"fail_on_type_mismatch,omitempty"`
	FailOnMissingColumn *bool `json:"fail_on_missing_column,omitempty"`
	WarnOnExtraColumn   *bool `json:"warn_on_extra_column,omitempty"`
}

// RBACConfig configures role-based access checks.
type RBACConfig struct {
	Enabled                *bool   `json:"enabled,omitempty"`
	RequiredRole           *string `json:"required_role,omitempty" jsonschema:"nullable"`
	AllowPrincipalFallback *bool   `json:"allow_principal_fallback,omitempty"`
}

// SecretScanningConfig configures secret scanning.
type SecretScanningConfig struct {
	Enabled         *bool           `json:"enabled,omitempty"`
	ExcludePatterns []string        `json:"exclude_patterns,omitempty"`
	CustomPatterns  []SecretPattern `json:"custom_patterns,omitempty" jsonschema:"nullable"`
	Severity        *string         `json:"severity,omitempty" jsonschema:"enum=error,enum=warning"`
}

// SecretPattern is a custom secret-scanning pattern.
type SecretPattern struct {
	Name     string  `json:"name" jsonschema:"required"`
	Pattern  string  `json:"pattern" jsonschema:"required"`
	Severity *string `json:"severity,omitempty" jsonschema:"enum=error,enum=warning"`
}

// NetworkPoliciesConfig configures generated network policies.
type NetworkPoliciesConfig struct {
	Enabled           *bool  `json:"enabled,omitempty"`
	DefaultDeny       *bool  `json:"default_deny,omitempty"`
	CustomEgressRules []*Map `json:"custom_egress_rules,omitempty"`
}

// PolicyDefinition is a policy-as-code rule.
type PolicyDefinition struct {
	Name    string `json:"name" jsonschema:"required"`
	Type    string `json:"type" jsonschema:"required,enum=required_tags,enum=naming_convention,enum=max_transforms,enum=custom"`
	Action  string `json:"action" jsonschema:"required,enum=warn,enum=error,enum=block"`
	Message string `json:"message" jsonschema:"required"`
	Config  *Map   `json:"config,omitempty"`
}

// ObservabilityManifest is the manifest's observability block.
type ObservabilityManifest struct {
	Tracing *TracingConfig         `json:"tracing,omitempty"`
	Lineage *LineageManifestConfig `json:"lineage,omitempty"`
	Logging *LoggingManifestConfig `json:"logging,omitempty"`
}

// TracingConfig configures OpenTelemetry tracing.
type TracingConfig struct {
	Enabled  *bool   `json:"enabled,omitempty"`
	Exporter *string `json:"exporter,omitempty" jsonschema:"enum=otlp,enum=console,enum=none"`
	Endpoint *string `json:"endpoint,omitempty" jsonschema:"nullable"`
}

// LineageManifestConfig configures OpenLineage.
type LineageManifestConfig struct {
	Enabled   *bool   `json:"enabled,omitempty"`
	Transport *string `json:"transport,omitempty" jsonschema:"enum=http,enum=console,enum=noop"`
	Endpoint  *string `json:"endpoint,omitempty" jsonschema:"nullable"`
}

// LoggingManifestConfig configures runtime logging.
type LoggingManifestConfig struct {
	Level  *string `json:"level,omitempty" jsonschema:"enum=DEBUG,enum=INFO,enum=WARNING,enum=ERROR"`
	Format *string `json:"format,omitempty" jsonschema:"enum=json,enum=text"`
}

// ManifestResourcePreset is a resource preset: the canonical {requests, limits} shape,
// or the flat {cpu_request, memory_request, cpu_limit, memory_limit} shape (all four keys).
type ManifestResourcePreset struct {
	Requests      *ResourceList `json:"requests,omitempty"`
	Limits        *ResourceList `json:"limits,omitempty"`
	CPURequest    *string       `json:"cpu_request,omitempty"`
	MemoryRequest *string       `json:"memory_request,omitempty"`
	CPULimit      *string       `json:"cpu_limit,omitempty"`
	MemoryLimit   *string       `json:"memory_limit,omitempty"`
}
