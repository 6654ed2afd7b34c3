package schemas

// QualityCheck is one data-quality check on a transform (floe.yaml qualityChecks and
// the artifact's quality_checks share this shape).
type QualityCheck struct {
	Name         string  `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	Type         string  `json:"type" yaml:"type" jsonschema:"required,minLength=1"`
	Column       *string `json:"column" yaml:"column" jsonschema:"nullable"`
	Dimension    string  `json:"dimension" yaml:"dimension" jsonschema:"required,enum=completeness,enum=accuracy,enum=validity,enum=consistency,enum=timeliness"`
	Severity     string  `json:"severity" yaml:"severity" jsonschema:"enum=critical,enum=warning,enum=info,default=warning"`
	CustomWeight *Float  `json:"custom_weight" yaml:"custom_weight" jsonschema:"nullable,minimum=0.1,maximum=10"`
	Parameters   *Map    `json:"parameters" yaml:"parameters"`
	Enabled      *bool   `json:"enabled" yaml:"enabled" jsonschema:"default=true"`
}

// QualityConfig is plugins.quality, fully defaulted (manifest input and artifact output).
type QualityConfig struct {
	Provider            string                 `json:"provider" yaml:"provider" jsonschema:"required,minLength=1"`
	QualityGates        *QualityGates          `json:"quality_gates" yaml:"quality_gates"`
	DimensionWeights    *DimensionWeights      `json:"dimension_weights" yaml:"dimension_weights"`
	Calculation         *CalculationParameters `json:"calculation" yaml:"calculation"`
	Thresholds          *QualityThresholds     `json:"thresholds" yaml:"thresholds"`
	CheckTimeoutSeconds *int                   `json:"check_timeout_seconds" yaml:"check_timeout_seconds" jsonschema:"minimum=1,maximum=3600,default=300"`
	Enabled             *bool                  `json:"enabled" yaml:"enabled" jsonschema:"default=true"`
}

// QualityGates are the per-tier gates.
type QualityGates struct {
	Bronze *GateTier `json:"bronze" yaml:"bronze"`
	Silver *GateTier `json:"silver" yaml:"silver"`
	Gold   *GateTier `json:"gold" yaml:"gold"`
}

// GateTier is one tier's gate.
type GateTier struct {
	MinTestCoverage *Float   `json:"min_test_coverage" yaml:"min_test_coverage" jsonschema:"minimum=0,maximum=100"`
	RequiredTests   []string `json:"required_tests" yaml:"required_tests"`
	MinScore        *int     `json:"min_score" yaml:"min_score" jsonschema:"minimum=0,maximum=100"`
	Overridable     *bool    `json:"overridable" yaml:"overridable"`
}

// DimensionWeights weigh the quality dimensions; they must sum to 1.0.
type DimensionWeights struct {
	Completeness *Float `json:"completeness" yaml:"completeness" jsonschema:"minimum=0,maximum=1"`
	Accuracy     *Float `json:"accuracy" yaml:"accuracy" jsonschema:"minimum=0,maximum=1"`
	Validity     *Float `json:"validity" yaml:"validity" jsonschema:"minimum=0,maximum=1"`
	Consistency  *Float `json:"consistency" yaml:"consistency" jsonschema:"minimum=0,maximum=1"`
	Timeliness   *Float `json:"timeliness" yaml:"timeliness" jsonschema:"minimum=0,maximum=1"`
}

// CalculationParameters tune the quality score.
type CalculationParameters struct {
	BaselineScore        *int             `json:"baseline_score" yaml:"baseline_score" jsonschema:"minimum=0,maximum=100"`
	MaxPositiveInfluence *int             `json:"max_positive_influence" yaml:"max_positive_influence" jsonschema:"minimum=0,maximum=100"`
	MaxNegativeInfluence *int             `json:"max_negative_influence" yaml:"max_negative_influence" jsonschema:"minimum=0,maximum=100"`
	SeverityWeights      *SeverityWeights `json:"severity_weights" yaml:"severity_weights"`
}

// SeverityWeights weigh check severities.
type SeverityWeights struct {
	Critical *Float `json:"critical" yaml:"critical"`
	Warning  *Float `json:"warning" yaml:"warning"`
	Info     *Float `json:"info" yaml:"info"`
}

// QualityThresholds are score thresholds.
type QualityThresholds struct {
	MinScore  *int `json:"min_score" yaml:"min_score" jsonschema:"minimum=0,maximum=100"`
	WarnScore *int `json:"warn_score" yaml:"warn_score" jsonschema:"minimum=0,maximum=100"`
}
