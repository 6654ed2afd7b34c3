package resolve

import (
	"fmt"

	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// Merge folds a manifest chain (product's manifest first, then its parents up to the
// enterprise manifest) into one effective manifest: plugin categories child-overrides-
// parent; governance may only be tightened by a child (a weakening is an error naming
// both values); approved_* lists come from the tier that owns them.
func Merge(chain validate.Chain) (*schemas.Manifest, diag.List) {
	var diags diag.List
	eff := *chain[len(chain)-1].Manifest // start from the top ancestor
	for i := len(chain) - 2; i >= 0; i-- {
		parent, child := chain[i+1], chain[i]
		c := child.Manifest
		eff.Metadata = c.Metadata
		eff.Scope, eff.ParentManifest = c.Scope, c.ParentManifest
		eff.Plugins = mergePlugins(eff.Plugins, c.Plugins)
		g, d := mergeGovernance(eff.Governance, c.Governance, parent, child)
		diags.Add(d...)
		eff.Governance = g
		if c.ApprovedProducts != nil {
			eff.ApprovedProducts = c.ApprovedProducts
		}
		if c.Defaults != nil {
			eff.Defaults = c.Defaults
		}
		if c.Observability != nil {
			eff.Observability = c.Observability
		}
		if c.Artifacts != nil {
			eff.Artifacts = c.Artifacts
		}
		if c.ResourcePresets != nil {
			merged := map[string]schemas.ManifestResourcePreset{}
			for k, v := range eff.ResourcePresets {
				merged[k] = v
			}
			for k, v := range c.ResourcePresets {
				merged[k] = v
			}
			eff.ResourcePresets = merged
		}
	}
	return &eff, diags
}

func mergePlugins(parent, child schemas.PluginsConfig) schemas.PluginsConfig {
	pick := func(p, c *schemas.PluginSelection) *schemas.PluginSelection {
		if c != nil {
			return c
		}
		return p
	}
	out := parent
	out.Compute = pick(parent.Compute, child.Compute)
	out.Orchestrator = pick(parent.Orchestrator, child.Orchestrator)
	out.Catalog = pick(parent.Catalog, child.Catalog)
	out.Storage = pick(parent.Storage, child.Storage)
	out.SemanticLayer = pick(parent.SemanticLayer, child.SemanticLayer)
	out.Ingestion = pick(parent.Ingestion, child.Ingestion)
	out.Secrets = pick(parent.Secrets, child.Secrets)
	out.TelemetryBackend = pick(parent.TelemetryBackend, child.TelemetryBackend)
	out.LineageBackend = pick(parent.LineageBackend, child.LineageBackend)
	out.Identity = pick(parent.Identity, child.Identity)
	out.Dbt = pick(parent.Dbt, child.Dbt)
	if child.Quality != nil {
		out.Quality = child.Quality
	}
	return out
}

// strength orders enum values from weakest to strongest.
var strength = map[string][]string{
	"pii_encryption":           {"optional", "required"},
	"audit_logging":            {"disabled", "enabled"},
	"policy_enforcement_level": {"off", "warn", "strict"},
}

func mergeGovernance(parent, child *schemas.GovernanceConfig, pm, cm *validate.Manifest) (*schemas.GovernanceConfig, diag.List) {
	var diags diag.List
	if child == nil {
		return parent, nil
	}
	if parent == nil {
		return child, nil
	}
	out := *parent
	weak := func(field string, childVal, parentVal string) {
		d := diag.Errorf(cm.File.At("governance", field), diag.CodeWeakened, "governance."+field,
			"governance.%s: %s weakens the parent manifest's %s; a child manifest may only tighten governance", field, childVal, parentVal)
		d.Related = []diag.Related{{Pos: pm.File.At("governance", field), Message: "parent value " + parentVal}}
		diags.Add(d)
	}
	enum := func(field string, p, c **string) {
		if *c == nil {
			return
		}
		if *p != nil && rank(field, **c) < rank(field, **p) {
			weak(field, **c, **p)
			return
		}
		*p = *c
	}
	enum("pii_encryption", &out.PIIEncryption, &child.PIIEncryption)
	enum("audit_logging", &out.AuditLogging, &child.AuditLogging)
	enum("policy_enforcement_level", &out.PolicyEnforcementLevel, &child.PolicyEnforcementLevel)
	// Longer retention is stricter.
	if child.DataRetentionDays != nil {
		if out.DataRetentionDays != nil && *child.DataRetentionDays < *out.DataRetentionDays {
			weak("data_retention_days", fmt.Sprint(*child.DataRetentionDays), fmt.Sprint(*out.DataRetentionDays))
		} else {
			out.DataRetentionDays = child.DataRetentionDays
		}
	}
	// Runtime tuning values that are not policies: the child decides.
	if child.DefaultTTLHours != nil {
		out.DefaultTTLHours = child.DefaultTTLHours
	}
	if child.SnapshotKeepLast != nil {
		out.SnapshotKeepLast = child.SnapshotKeepLast
	}
	if child.StaleTableRecoveryMode != nil {
		out.StaleTableRecoveryMode = child.StaleTableRecoveryMode
	}
	if child.Naming != nil {
		if out.Naming != nil && out.Naming.Enforcement != nil && child.Naming.Enforcement != nil &&
			rank("policy_enforcement_level", *child.Naming.Enforcement) < rank("policy_enforcement_level", *out.Naming.Enforcement) {
			d := diag.Errorf(cm.File.At("governance", "naming", "enforcement"), diag.CodeWeakened, "governance.naming.enforcement",
				"governance.naming.enforcement: %s weakens the parent manifest's %s", *child.Naming.Enforcement, *out.Naming.Enforcement)
			d.Related = []diag.Related{{Pos: pm.File.At("governance", "naming", "enforcement"), Message: "parent value " + *out.Naming.Enforcement}}
			diags.Add(d)
		} else {
			// Field by field: a child naming block that leaves enforcement out keeps the
			// parent's (it does not fall back to the weaker default, warn).
			n := *child.Naming
			if n.Enforcement == nil && out.Naming != nil {
				n.Enforcement = out.Naming.Enforcement
			}
			out.Naming = &n
		}
	}
	if child.QualityGates != nil {
		out.QualityGates = mergeQualityGates(out.QualityGates, child.QualityGates, pm, cm, &diags)
	}
	if child.CustomRules != nil {
		out.CustomRules = append(append([]schemas.CustomRule{}, out.CustomRules...), child.CustomRules...)
	}
	if child.Policies != nil {
		out.Policies = append(append([]schemas.PolicyDefinition{}, out.Policies...), child.Policies...)
	}
	return &out, diags
}

func rank(field, v string) int {
	for i, s := range strength[field] {
		if s == v {
			return i
		}
	}
	return -1
}

// mergeQualityGates merges quality gates field by field (a child's gates no longer
// drop the parent's fields it does not mention): a lower minimum_test_coverage, or
// require_descriptions, require_column_descriptions or block_on_failure turned from
// true to false, weakens the parent's gates (contract.md §2.8) and is an error.
func mergeQualityGates(parent, child *schemas.QualityGatesConfig, pm, cm *validate.Manifest, diags *diag.List) *schemas.QualityGatesConfig {
	if parent == nil {
		return child
	}
	out := *parent
	weak := func(field, childVal, parentVal string) {
		path := []string{"governance", "quality_gates", field}
		d := diag.Errorf(cm.File.At(path...), diag.CodeWeakened, "governance.quality_gates."+field,
			"governance.quality_gates.%s: %s weakens the parent manifest's %s", field, childVal, parentVal)
		d.Related = []diag.Related{{Pos: pm.File.At(path...), Message: "parent value " + parentVal}}
		diags.Add(d)
	}
	if c := child.MinimumTestCoverage; c != nil {
		if p := parent.MinimumTestCoverage; p != nil && *c < *p {
			weak("minimum_test_coverage", fmt.Sprint(*c), fmt.Sprint(*p))
		} else {
			out.MinimumTestCoverage = c
		}
	}
	for _, b := range []struct {
		field string
		p, c  **bool
	}{
		{"require_descriptions", &out.RequireDescriptions, &child.RequireDescriptions},
		{"require_column_descriptions", &out.RequireColumnDescriptions, &child.RequireColumnDescriptions},
		{"block_on_failure", &out.BlockOnFailure, &child.BlockOnFailure},
	} {
		if *b.c == nil {
			continue
		}
		if *b.p != nil && **b.p && !**b.c {
			weak(b.field, "false", "true")
			continue
		}
		*b.p = *b.c
	}
	if child.LayerThresholds != nil {
		out.LayerThresholds = child.LayerThresholds
	}
	if child.ZeroColumnCoverageBehavior != nil {
		out.ZeroColumnCoverageBehavior = child.ZeroColumnCoverageBehavior
	}
	return &out
}
