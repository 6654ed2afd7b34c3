// Every diagnostic code floe reports, with its meaning. Codes are declared here and
// nowhere else, so a reader finds them all in one place: the README's table of codes
// lists exactly these, with the same meanings (TestREADMECodes), and no other Go file
// spells a FLOE- code (TestCodesDeclaredHere).

package diag

// Diagnostic codes. E-codes are errors unless a policy level makes them warnings
// (E500–E504, E600 under warn); W-codes are warnings.
const (
	// Reading and parsing (compiler/parse, the driver).
	CodeFile         = "FLOE-E001"
	CodeSyntax       = "FLOE-E002"
	CodeDuplicateKey = "FLOE-E003"
	CodeEncoding     = "FLOE-E004"
	CodeLimit        = "FLOE-E005"
	CodeNotMapping   = "FLOE-E006"

	// Validation against the JSON Schemas and the rules beyond them (compiler/validate).
	CodeUnknownKey    = "FLOE-E100"
	CodeMissing       = "FLOE-E101"
	CodeType          = "FLOE-E102"
	CodeEnum          = "FLOE-E103"
	CodePattern       = "FLOE-E104"
	CodeRange         = "FLOE-E105"
	CodeEnvKey        = "FLOE-E106"
	CodeAliasConflict = "FLOE-E107"
	CodeDuplicateName = "FLOE-E110"
	CodeReserved      = "FLOE-E120"
	CodeScope         = "FLOE-E121"
	CodeEndpoint      = "FLOE-E122"
	CodeWeights       = "FLOE-E123"
	CodeNamingConfig  = "FLOE-E124"
	CodePreset        = "FLOE-E125"
	CodeArtifacts     = "FLOE-E126"
	CodeUnknownTop    = "FLOE-W100"
	CodeCoerced       = "FLOE-W102"
	CodeYAML11        = "FLOE-W103"
	CodeDropped       = "FLOE-W104"

	// Resolution: plugins, compute, presets, inheritance (compiler/resolve, the driver).
	CodeMissingPlugin    = "FLOE-E201"
	CodeUnknownCompute   = "FLOE-E202"
	CodeComputePlugin    = "FLOE-E203"
	CodeComputeConfig    = "FLOE-E204"
	CodeUnknownPreset    = "FLOE-E205"
	CodeNoGenerator      = "FLOE-E206"
	CodeQualityProvider  = "FLOE-E207"
	CodeParent           = "FLOE-E210"
	CodeInheritanceCycle = "FLOE-E211"
	CodeWeakened         = "FLOE-E212"
	CodeSink             = "FLOE-E213"

	// Governance caps and Kubernetes constraints.
	CodeCap        = "FLOE-E220"
	CodeKubernetes = "FLOE-E230"

	// The dependency graph (compiler/graph).
	CodeUnknownDep = "FLOE-E300"
	CodeCycle      = "FLOE-E301"

	// The dbt project (compiler/dbt).
	CodeNoModel           = "FLOE-E310"
	CodeRefMissing        = "FLOE-E311"
	CodeRefExtra          = "FLOE-E312"
	CodeDbtManifest       = "FLOE-E313"
	CodeNoTransform       = "FLOE-W310"
	CodeStale             = "FLOE-W311"
	CodeProject           = "FLOE-W312"
	CodeDbtManifestUnread = "FLOE-W313"

	// Schedules (compiler/schedule).
	CodeCron       = "FLOE-E400"
	CodeTimezone   = "FLOE-E401"
	CodeLegacyZone = "FLOE-W401"

	// Policies (compiler/govern).
	CodeNaming        = "FLOE-E500"
	CodeDocumentation = "FLOE-E501" // the reference's FLOE-E220
	CodeRBAC          = "FLOE-E502" // FLOE-E500 in the reference
	CodeCustomRule    = "FLOE-E503" // FLOE-E400, E401 and E402 in the reference
	CodePolicy        = "FLOE-E504" // FLOE-E600 in the reference (policy-as-code)
	CodeLiteralSecret = "FLOE-E600"
	// CodeSecretName marks a name (the product's, its version, a transform's) that is or
	// holds a literal secret of the inputs: names build the output, so it cannot be hidden.
	CodeSecretName = "FLOE-E601"

	// floe's own failures.
	CodeInternal = "FLOE-E900"
)

// CodeInfo is a code and what it means.
type CodeInfo struct {
	Code    string
	Meaning string
}

// Codes lists every code, in the README's order, with the meaning the README gives it.
var Codes = []CodeInfo{
	{CodeFile, "a file cannot be read (floe.yaml, a manifest, a parent manifest, an OCI reference)"},
	{CodeSyntax, "YAML syntax; a value YAML 1.1 cannot load (a plain `=`); a key YAML 1.1 reads as a boolean, number or date"},
	{CodeDuplicateKey, "a key written twice in one mapping"},
	{CodeEncoding, "not UTF-8 (UTF-16, invalid bytes)"},
	{CodeLimit, "size limits (file size, nesting, aliases)"},
	{CodeNotMapping, "the top level is not a mapping"},
	{CodeUnknownKey, "unknown key (did-you-mean)"},
	{CodeMissing, "missing required key"},
	{CodeType, "wrong type (a date where a string is wanted, `yes` where a string is wanted, …)"},
	{CodeEnum, "not one of the allowed values"},
	{CodePattern, "does not match the pattern (names, versions, URIs)"},
	{CodeRange, "out of range (numbers, lengths, list sizes, integers beyond 64 bits)"},
	{CodeEnvKey, "environment-specific key (floe.yaml anywhere, manifest top level)"},
	{CodeAliasConflict, "both spellings of a floe.yaml key (`dependsOn` and `depends_on`)"},
	{CodeDuplicateName, "duplicate transform or destination name (transforms: ignoring case)"},
	{CodeReserved, "reserved manifest name"},
	{CodeScope, "scope rules (`parent_manifest`, `approved_*`)"},
	{CodeEndpoint, "observability endpoint: not http(s), private or loopback"},
	{CodeWeights, "quality dimension weights do not sum to 1"},
	{CodeNamingConfig, "naming: `custom` without patterns, invalid pattern"},
	{CodePreset, "resource preset shape"},
	{CodeArtifacts, "the `artifacts` block's rules (credentials_ref, signing, verification, gates, webhooks, environments)"},
	{CodeMissingPlugin, "no compute or orchestrator plugin"},
	{CodeUnknownCompute, "transform compute not approved by the platform"},
	{CodeComputePlugin, "compute plugin not supported (floe renders DuckDB profiles)"},
	{CodeComputeConfig, "DuckDB compute config (threads, timeout_seconds, path, settings, attach)"},
	{CodeUnknownPreset, "unknown resource preset"},
	{CodeNoGenerator, "no generator for the orchestrator (floe generates Dagster and Airflow)"},
	{CodeQualityProvider, "unknown quality provider"},
	{CodeParent, "inheritance: parent path, OCI reference, depth, scope of the parent"},
	{CodeInheritanceCycle, "inheritance cycle"},
	{CodeWeakened, "a child manifest weakens its parent's governance"},
	{CodeSink, "destination sink not approved"},
	{CodeCap, "governance caps (`default_ttl_hours` ≤ 8760, `snapshot_keep_last` ≤ 100)"},
	{CodeKubernetes, "a name, label or quantity Kubernetes would reject"},
	{CodeUnknownDep, "`dependsOn` names no transform (did-you-mean)"},
	{CodeCycle, "dependency cycle (with its path)"},
	{CodeNoModel, "a transform has no dbt model file"},
	{CodeRefMissing, "a model `ref()`s a transform its `dependsOn` does not list (dbt's manifest.json)"},
	{CodeRefExtra, "`dependsOn` lists a transform the model does not `ref()` (dbt's manifest.json)"},
	{CodeDbtManifest, "the dbt manifest given with `--dbt-manifest` cannot be read"},
	{CodeCron, "cron expression"},
	{CodeTimezone, "time zone not in the tz database"},
	{CodeNaming, "naming convention (warning or error by `naming.enforcement` and the level)"},
	{CodeDocumentation, "`quality_gates.require_descriptions`: a model without a description"},
	{CodeRBAC, "`rbac.enabled`: cannot be checked at compile time"},
	{CodeCustomRule, "`custom_rules` (`require_tags_for_prefix`, `require_meta_field`, `require_tests_of_type`)"},
	{CodePolicy, "`policies` (`required_tags`, `naming_convention`, `max_transforms`; `custom` is a note)"},
	{CodeLiteralSecret, "a literal secret in floe.yaml or a manifest (the value never printed)"},
	{CodeSecretName, "a name the output is built on (product, version, transform) is or holds a literal secret"},
	{CodeInternal, "internal error in floe (please report it)"},
	{CodeUnknownTop, "unknown top-level manifest key, ignored (also `api_version` beside `apiVersion`)"},
	{CodeCoerced, "a value the reference converts (`\"30\"` for an integer, `1` or `\"no\"` for a boolean); floe converts it too and names the canonical spelling"},
	{CodeYAML11, "YAML 1.1 only: `yes`/`on` as a boolean, or `off` where the reference rejects it"},
	{CodeDropped, "a key the reference drops (extra keys of a flat resource preset)"},
	{CodeNoTransform, "a dbt model without a transform (never built)"},
	{CodeStale, "a model changed since dbt wrote manifest.json (refs not compared)"},
	{CodeProject, "dbt_project.yml cannot be read as dbt reads it (the project is not checked)"},
	{CodeDbtManifestUnread, "target/manifest.json cannot be read (refs not compared)"},
	{CodeLegacyZone, "a legacy time zone name (`EST`, `MST`, `HST`, `EST5EDT`, `CET`, …)"},
}
