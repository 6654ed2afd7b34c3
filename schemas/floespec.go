package schemas

// FloeSpec is floe.yaml: one data product. Unknown keys are errors at every level.
// Where the reference accepts both spellings (apiVersion/api_version,
// dependsOn/depends_on, …) the compiler's parse pass folds the snake_case key into the
// canonical one shown here; the published schema lists both so editors accept both.
type FloeSpec struct {
	APIVersion   string              `json:"apiVersion" jsonschema:"required,enum=floe.dev/v1,description=Always floe.dev/v1."`
	Kind         string              `json:"kind" jsonschema:"required,enum=FloeSpec"`
	Metadata     FloeMetadata        `json:"metadata" jsonschema:"required"`
	Platform     *PlatformRef        `json:"platform,omitempty" jsonschema:"nullable"`
	Transforms   []TransformSpec     `json:"transforms" jsonschema:"required,minItems=1"`
	Schedule     *ScheduleSpec       `json:"schedule,omitempty" jsonschema:"nullable"`
	OutputPorts  []OutputPort        `json:"outputPorts,omitempty" jsonschema:"nullable"`
	Destinations []DestinationConfig `json:"destinations,omitempty" jsonschema:"nullable"`
}

// FloeMetadata names and versions the product.
type FloeMetadata struct {
	Name        string            `json:"name" jsonschema:"required,minLength=1,maxLength=63,pattern=^[a-z][a-z0-9-]*$,description=Product name: lowercase letters digits and hyphens; starts with a letter."`
	Version     string            `json:"version" jsonschema:"required,pattern=^\\d+\\.\\d+\\.\\d+$,description=Semantic version MAJOR.MINOR.PATCH (no v prefix)."`
	Description *string           `json:"description,omitempty" jsonschema:"nullable,maxLength=500"`
	Owner       *string           `json:"owner,omitempty" jsonschema:"nullable,minLength=1"`
	Labels      map[string]string `json:"labels,omitempty" jsonschema:"nullable"`
}

// PlatformRef points at the platform manifest (a path relative to floe.yaml).
type PlatformRef struct {
	Manifest string `json:"manifest" jsonschema:"required,minLength=1"`
}

// TransformSpec is one dbt model of the product.
type TransformSpec struct {
	Name          string         `json:"name" jsonschema:"required,minLength=1,maxLength=128,pattern=^[a-zA-Z_][a-zA-Z0-9_]*$,description=dbt model name: letters digits and underscores."`
	Compute       *string        `json:"compute,omitempty" jsonschema:"nullable,description=Compute target; must be one of the manifest's approved compute targets when it declares them."`
	Tags          []string       `json:"tags,omitempty" jsonschema:"nullable"`
	DependsOn     []string       `json:"dependsOn,omitempty" jsonschema:"nullable,description=Names of transforms of this product that must run first."`
	Tier          *string        `json:"tier,omitempty" jsonschema:"nullable,enum=bronze,enum=silver,enum=gold"`
	QualityChecks []QualityCheck `json:"qualityChecks,omitempty" jsonschema:"nullable"`
	// Resources names a manifest resource preset (floe extension; not in the contract).
	Resources *string `json:"resources,omitempty" jsonschema:"nullable,description=Resource preset from the manifest's resource_presets (floe extension)."`
	// Iceberg says how the model's table is published (floe extension).
	Iceberg *TransformIceberg `json:"iceberg,omitempty" jsonschema:"nullable"`
}

// TransformIceberg configures how a model's table is written to Iceberg.
type TransformIceberg struct {
	WriteMode   string   `json:"write_mode,omitempty" jsonschema:"enum=append,enum=overwrite,enum=partition_overwrite,default=overwrite"`
	PartitionBy []string `json:"partition_by,omitempty"`
}

// ScheduleSpec is when the product runs. A missing cron falls back to the manifest's
// orchestrator default_schedule.
type ScheduleSpec struct {
	Cron     *string `json:"cron,omitempty" jsonschema:"nullable,description=5-field cron or @hourly/@daily/@weekly/@monthly."`
	Timezone *string `json:"timezone,omitempty" jsonschema:"default=UTC,description=IANA time zone name."`
	Enabled  *bool   `json:"enabled,omitempty" jsonschema:"default=true"`
}

// OutputPort is a published interface of the product.
type OutputPort struct {
	Name        string             `json:"name" jsonschema:"required,minLength=1,maxLength=128,pattern=^[a-zA-Z_][a-zA-Z0-9_]*$"`
	Description *string            `json:"description,omitempty" jsonschema:"nullable,maxLength=500"`
	Owner       *string            `json:"owner,omitempty" jsonschema:"nullable,minLength=1"`
	Schema      []OutputPortColumn `json:"schema" jsonschema:"required,minItems=1"`
}

// OutputPortColumn is one column of an output port.
type OutputPortColumn struct {
	Name           string  `json:"name" jsonschema:"required,minLength=1,maxLength=128,pattern=^[a-zA-Z_][a-zA-Z0-9_]*$"`
	Type           string  `json:"type" jsonschema:"required"`
	Description    *string `json:"description,omitempty" jsonschema:"nullable,maxLength=500"`
	Required       *bool   `json:"required,omitempty"`
	PrimaryKey     *bool   `json:"primaryKey,omitempty"`
	Classification *string `json:"classification,omitempty" jsonschema:"nullable"`
}

// DestinationConfig is a reverse-ETL sink.
type DestinationConfig struct {
	Name                string            `json:"name" jsonschema:"required,minLength=1,maxLength=100"`
	SinkType            string            `json:"sink_type" jsonschema:"required,minLength=1"`
	ConnectionSecretRef string            `json:"connection_secret_ref" jsonschema:"required,maxLength=253,pattern=^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$"`
	SourceTable         *string           `json:"source_table,omitempty" jsonschema:"nullable"`
	Config              *Map              `json:"config,omitempty" jsonschema:"nullable,maxProperties=50"`
	FieldMapping        map[string]string `json:"field_mapping,omitempty" jsonschema:"nullable"`
	BatchSize           *int              `json:"batch_size,omitempty" jsonschema:"nullable,minimum=1,maximum=100000"`
}
