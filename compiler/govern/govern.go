// Package govern is the policy pass: naming conventions, documentation, RBAC, custom
// rules and policy-as-code (policies.go), literal secrets in manifests and governance
// caps, under
// policy_enforcement_level off / warn (violations are warnings) / strict (errors), and
// the enforcement_result summary the artifact carries.
package govern

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/lazy"
	"github.com/floe-dev/floe/internal/par"
	"github.com/floe-dev/floe/schemas"
)

// Result is the output of the pass.
type Result struct {
	Level   string
	Summary schemas.EnforcementResultSummary
	// Governance is the artifact's resolved governance (nil without a governance block).
	Governance *schemas.ResolvedGovernance
	// Secrets are the literal secrets of each input file (by file name), for redacting
	// what quotes the inputs.
	Secrets map[string][]validate.Finding
}

var namingPatterns = map[string]func() *regexp.Regexp{
	"medallion": lazy.Regexp(`^(bronze|silver|gold)_[a-z][a-z0-9_]*$`),
	"kimball":   lazy.Regexp(`^(dim|fact|bridge|hub|link|sat)_[a-z][a-z0-9_]*$`),
}

var renames = []struct {
	prefixes []string
	to       string
}{
	{[]string{"stg_", "raw_", "src_", "staging_"}, "bronze_"},
	{[]string{"int_", "intermediate_", "clean_"}, "silver_"},
	{[]string{"agg_", "mart_", "dim_", "fact_"}, "gold_"},
}

// Check runs the policies.
func Check(r *resolve.Resolved) (*Result, diag.List) {
	var diags diag.List
	g := r.Manifest.Governance
	res := &Result{Level: "warn"}
	if g != nil && g.PolicyEnforcementLevel != nil {
		res.Level = *g.PolicyEnforcementLevel
	}
	secretDiags, secrets := literalSecrets(r.Spec, r.Chain, res.Level)
	diags.Add(secretDiags...)
	res.Secrets = secrets
	diags.Add(secretNames(r, schemas.NewKnownSecrets(validate.SecretStrings(secrets)))...)
	sum := schemas.EnforcementResultSummary{Passed: true, PolicyTypesChecked: []string{"plugin_instrumentation"}, EnforcementLevel: res.Level}
	if g != nil {
		rg := &schemas.ResolvedGovernance{
			PIIEncryption: g.PIIEncryption, AuditLogging: g.AuditLogging, PolicyEnforcementLevel: g.PolicyEnforcementLevel,
			DataRetentionDays: g.DataRetentionDays, DefaultTTLHours: g.DefaultTTLHours, SnapshotKeepLast: g.SnapshotKeepLast,
			StaleTableRecoveryMode: g.StaleTableRecoveryMode,
		}
		capAt := func(field string, v *int, hi int) {
			if v != nil && *v > hi {
				pos, ok := r.Chain.At("governance", field)
				if !ok {
					pos = diag.Pos{File: r.Chain[0].File.Name}
				}
				diags.Add(diag.Errorf(pos, diag.CodeCap, "governance."+field, "governance.%s is %d; the most the runtime accepts is %d", field, *v, hi))
			}
		}
		capAt("default_ttl_hours", g.DefaultTTLHours, 8760)
		capAt("snapshot_keep_last", g.SnapshotKeepLast, 100)
		res.Governance = rg
	}
	if g == nil || res.Level == "off" {
		res.Summary = sum
		return res, diags
	}
	var violations []diag.Diagnostic
	types := map[string]bool{}
	// brokenIn says whether validation reported a value under path broken (in any tier
	// of the chain): a policy configured by it is not applied.
	brokenIn := r.Chain.BrokenWithin
	if g.Naming != nil && !brokenIn("governance", "naming") {
		enforcement := "warn"
		if g.Naming.Enforcement != nil {
			enforcement = *g.Naming.Enforcement
		}
		pattern := "medallion"
		if g.Naming.Pattern != nil {
			pattern = *g.Naming.Pattern
		}
		if enforcement != "off" {
			var custom []*regexp.Regexp
			for _, p := range g.Naming.CustomPatterns {
				if re, err := regexp.Compile(p); err == nil {
					custom = append(custom, re)
				}
			}
			// One name per transform, on every CPU for a big product, in item order.
			misnamed := par.Collect(len(r.Spec.Transforms), func(i int) []diag.Diagnostic {
				t := &r.Spec.Transforms[i]
				if matchesNaming(t.Name, pattern, custom) || r.Spec.Broken.Has("transforms", strconv.Itoa(i), "name") {
					return nil
				}
				d := diag.Warnf(r.Spec.TransformAt(i, "name"), diag.CodeNaming, fmt.Sprintf("transforms[%d].name", i),
					"model name %q does not match the %s naming convention", t.Name, pattern)
				if enforcement == "strict" {
					d.Severity = diag.Error
				}
				d.Suggest = renameHint(t.Name, pattern)
				return []diag.Diagnostic{d}
			})
			if len(misnamed) > 0 {
				violations = append(violations, misnamed...)
				types["naming"] = true
			}
		}
	}
	for _, v := range policyChecks(r, g, brokenIn) {
		if v.policyType == "" {
			diags.Add(v.d) // floe's own note, no finding of the reference's
			continue
		}
		violations = append(violations, v.d)
		types[v.policyType] = true
	}
	for _, v := range violations {
		if res.Level == "warn" {
			v.Severity = diag.Warning
		}
		if v.Severity == diag.Error {
			sum.ErrorCount++
			sum.Passed = false
		} else {
			sum.WarningCount++
		}
		diags.Add(v)
	}
	if len(types) == 0 {
		types = map[string]bool{"coverage": true, "documentation": true, "naming": true}
	}
	types["plugin_instrumentation"] = true
	sum.PolicyTypesChecked = sum.PolicyTypesChecked[:0]
	for t := range types {
		sum.PolicyTypesChecked = append(sum.PolicyTypesChecked, t)
	}
	slices.Sort(sum.PolicyTypesChecked)
	sum.ModelsValidated = len(r.Spec.Transforms)
	res.Summary = sum
	return res, diags
}

func matchesNaming(name, pattern string, custom []*regexp.Regexp) bool {
	if pattern == "custom" {
		for _, re := range custom {
			if loc := re.FindStringIndex(name); loc != nil && loc[0] == 0 {
				return true
			}
		}
		return false
	}
	return namingPatterns[pattern]().MatchString(name)
}

func renameHint(name, pattern string) string {
	if pattern != "medallion" {
		if pattern == "kimball" {
			return "prefix it with dim_, fact_, bridge_, hub_, link_ or sat_"
		}
		return "rename it to match one of governance.naming.custom_patterns"
	}
	for _, r := range renames {
		for _, p := range r.prefixes {
			if strings.HasPrefix(name, p) {
				return fmt.Sprintf("rename it to %q", r.to+strings.TrimPrefix(name, p))
			}
		}
	}
	return "prefix it with bronze_, silver_ or gold_"
}
