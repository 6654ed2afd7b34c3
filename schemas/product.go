package schemas

// Product is the compiler's complete output handed to the generators in codegen: the
// CompiledArtifacts contract (0.10.0, unchanged) plus everything that contract cannot
// carry (schedule, dependency order, resource presets, Iceberg and lineage settings,
// deployment image). The compiler builds it; codegen only reads it.
type Product struct {
	// Artifacts is the 0.10.0 contract exactly as written to compiled_artifacts.json.
	Artifacts *CompiledArtifacts `json:"-"`
	// ArtifactsJSON holds the exact bytes of compiled_artifacts.json (reference byte format).
	ArtifactsJSON []byte `json:"-"`
	// RedactedArtifactsJSON is ArtifactsJSON with every literal secret value replaced by
	// "**********"; it is what may go into ConfigMaps, Helm values and logs.
	RedactedArtifactsJSON []byte `json:"-"`
	// Secrets are the literal secrets of the inputs (every value that is a literal secret
	// anywhere in them). The compiler has redacted them from every other field of the
	// product; a generator reading Artifacts (the dbt profiles) redacts them itself.
	Secrets *KnownSecrets `json:"-"`

	// FloeVersion is the version of the compiler that built this product (stamped into generated files).
	FloeVersion string `json:"floe_version"`
	// ContractVersion is the CompiledArtifacts contract version ("0.10.0").
	ContractVersion string `json:"contract_version"`
	// Name and Version of the product (floe.yaml metadata).
	Name    string `json:"name"`
	Version string `json:"version"`
	// Slug is Name with runs of characters outside [A-Za-z0-9_] replaced by "_" (e.g. customer_360).
	Slug string `json:"slug"`
	// DbtProjectName is the dbt project name the reference derives from the product name.
	DbtProjectName string `json:"dbt_project_name"`
	// Orchestrator is plugins.orchestrator.type (e.g. "dagster").
	Orchestrator string `json:"orchestrator"`

	// Models are the product's transforms in floe.yaml order, with what the runtime needs.
	Models []ModelPlan `json:"models"`
	// Order is a stable topological order of model names (dependencies first).
	Order []string `json:"order"`
	// Layers groups model names by depth: Layers[0] has no dependencies.
	Layers [][]string `json:"layers"`

	// Schedules is the content of the schedules file.
	Schedules ScheduleFile `json:"schedules"`
	// Iceberg is the content of the Iceberg IO configuration file.
	Iceberg IcebergIOConfig `json:"iceberg"`
	// Lineage tells the runtime where OpenLineage events go.
	Lineage LineageConfig `json:"lineage"`
	// ResourcePresets are the manifest's presets in canonical shape, sorted by name.
	ResourcePresets []NamedResourcePreset `json:"resource_presets"`
	// DefaultPreset is the preset used by transforms that name none ("" when the manifest has none).
	DefaultPreset string `json:"default_preset"`
	// Deployment holds what Kubernetes packaging needs (image, port, secrets by name).
	Deployment Deployment `json:"deployment"`
}

// ModelPlan is one transform as the runtime builds it.
type ModelPlan struct {
	Name      string   `json:"name"`
	DependsOn []string `json:"depends_on"`
	Tags      []string `json:"tags"`
	Tier      string   `json:"tier,omitempty"`
	Compute   string   `json:"compute"`
	// Layer is the model's depth in the dependency graph (0 = no dependencies).
	Layer int `json:"layer"`
	// Preset is the resource preset name (explicit or default, "" when none).
	Preset string `json:"preset"`
	// Resources are the preset's Kubernetes requests/limits (nil when no preset applies).
	Resources *ResourceRequirements `json:"resources"`
	// Table is how the model's table is published to Iceberg.
	Table IcebergTable `json:"table"`
}

// NamedResourcePreset is one manifest resource preset in canonical shape.
type NamedResourcePreset struct {
	Name      string               `json:"name"`
	Resources ResourceRequirements `json:"resources"`
}

// ResourceRequirements mirrors the Kubernetes container resources shape.
type ResourceRequirements struct {
	Requests ResourceList `json:"requests"`
	Limits   ResourceList `json:"limits"`
}

// ResourceList is a CPU/memory pair of Kubernetes quantities ("250m", "512Mi").
type ResourceList struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
}

// ScheduleFile is the schedules file floe writes (schedules.json), validated against
// schemas/schedules.schema.json.
type ScheduleFile struct {
	// FileVersion is the version of this file's format ("1").
	FileVersion     string     `json:"file_version"`
	FloeVersion     string     `json:"floe_version"`
	ContractVersion string     `json:"contract_version"`
	Product         string     `json:"product"`
	Schedules       []Schedule `json:"schedules"`
}

// Schedule is one product schedule, validated at compile time.
type Schedule struct {
	// Name is a Dagster-safe schedule name (^[A-Za-z0-9_]+$), e.g. customer_360_schedule.
	Name string `json:"name"`
	// Cron is a standard 5-field expression or an @hourly/@daily/@weekly/@monthly macro.
	Cron string `json:"cron"`
	// Timezone is an IANA time zone name checked against the embedded tz database.
	Timezone string `json:"timezone"`
	// Enabled maps to Dagster's default_status RUNNING (true) or STOPPED (false).
	Enabled bool `json:"enabled"`
	// Source says where the cron came from: "floe.yaml" or "manifest" (orchestrator default_schedule).
	Source string `json:"source"`
}

// IcebergIOConfig is the Iceberg IO configuration floe writes (iceberg_io.json), read by
// the runtime's Iceberg IO manager and table publisher.
type IcebergIOConfig struct {
	FileVersion     string `json:"file_version"`
	FloeVersion     string `json:"floe_version"`
	ContractVersion string `json:"contract_version"`
	Product         string `json:"product"`
	// Catalog is the PyIceberg catalog to load.
	Catalog IcebergCatalog `json:"catalog"`
	// Namespace is the Iceberg namespace tables are written to (default: product slug).
	Namespace string `json:"namespace"`
	// SnapshotKeepLast is governance.snapshot_keep_last (nil: keep all).
	SnapshotKeepLast *int `json:"snapshot_keep_last" jsonschema:"nullable"`
	// Tables lists one entry per model, in floe.yaml order.
	Tables []IcebergTable `json:"tables"`
}

// IcebergCatalog describes how to reach the catalog. No literal secret is ever stored here:
// credentials are named environment variables, filled from Kubernetes Secrets in a cluster.
type IcebergCatalog struct {
	// Name is the PyIceberg catalog name (load_catalog(name, **properties)).
	Name string `json:"name"`
	// Type is the PyIceberg catalog type: "sql" (local SQLite file) or "rest" (Polaris/REST).
	Type string `json:"type"`
	// URI is the catalog URI: "sqlite:///<path>" for sql (path relative to the product
	// directory unless absolute), an http(s) URL for rest.
	URI string `json:"uri"`
	// Warehouse is the warehouse location: a local directory (relative to the product
	// directory unless absolute or a URL) for sql, the warehouse name for rest.
	Warehouse string `json:"warehouse"`
	// Properties are further non-secret PyIceberg properties (e.g. "s3.endpoint"), sorted by key.
	Properties []KeyValue `json:"properties"`
	// Credentials maps PyIceberg properties to the environment variables holding their values.
	Credentials []SecretEnv `json:"credentials"`
}

// KeyValue is one string property; lists keep emitted order deterministic.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SecretEnv names a secret by reference: the runtime reads Env; on Kubernetes Env is filled
// from Secret SecretName, key SecretKey. Property is the consumer's property name
// (a PyIceberg property such as "credential" or "s3.secret-access-key").
type SecretEnv struct {
	Property   string `json:"property"`
	Env        string `json:"env"`
	SecretName string `json:"secret_name"`
	SecretKey  string `json:"secret_key"`
}

// IcebergTable is how one model's table is written.
type IcebergTable struct {
	Model string `json:"model"`
	// Identifier is "<namespace>.<model>".
	Identifier string `json:"identifier"`
	// WriteMode is "append", "overwrite" or "partition_overwrite".
	WriteMode string `json:"write_mode"`
	// PartitionBy lists the partition columns (required for partition_overwrite).
	PartitionBy []string `json:"partition_by"`
}

// LineageConfig is where OpenLineage events go at run time.
type LineageConfig struct {
	Enabled bool `json:"enabled"`
	// Transport is "http", "console", "file" or "noop".
	Transport string `json:"transport"`
	// Endpoint is the HTTP endpoint (transport http).
	Endpoint string `json:"endpoint"`
	// File is the JSON-lines file for local runs (transport file), relative to the product directory.
	File string `json:"file"`
	// Namespace is the OpenLineage job namespace.
	Namespace string `json:"namespace"`
}

// Deployment is what Kubernetes packaging needs.
type Deployment struct {
	// Image repository and tag of the product's code-location image.
	ImageRepository string `json:"image_repository"`
	ImageTag        string `json:"image_tag"`
	// Port of the Dagster code server.
	Port int `json:"port"`
	// Secrets are the Kubernetes Secrets the code server and run pods need, by name.
	Secrets []SecretEnv `json:"secrets"`
	// Env are plain, non-secret environment variables, sorted by key.
	Env []KeyValue `json:"env"`
}
