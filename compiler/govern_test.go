package compiler

import (
	"slices"
	"strings"
	"testing"
)

// TestWarnLevelPolicies: under warn, the reference's policy findings are warnings and
// the artifact's enforcement_result counts them with their policy types.
func TestWarnLevelPolicies(t *testing.T) {
	spec := []byte("apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: a, version: 1.0.0}\ntransforms: [{name: stg_a}, {name: stg_b, tags: [x]}]\n")
	manifest := []byte(`apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: p, version: 1.0.0, owner: me@example.com}
plugins: {compute: {type: duckdb}, orchestrator: {type: dagster}}
governance:
  policy_enforcement_level: warn
  quality_gates: {require_descriptions: true}
  rbac: {enabled: true}
  custom_rules: [{type: require_meta_field, field: owner, applies_to: "stg_b"}]
`)
	res := compileMem("p/floe.yaml", "p/manifest.yaml", map[string][]byte{"p/floe.yaml": spec, "p/manifest.yaml": manifest})
	if res.Product == nil {
		t.Fatalf("compile failed: %v", res.Diags)
	}
	if errs, warns := res.Diags.Count(); errs != 0 || warns != 4 {
		t.Errorf("want 4 warnings (2 documentation, rbac, custom), got %d errors %d warnings: %v", errs, warns, res.Diags)
	}
	s := res.Product.Artifacts.EnforcementResult
	want := []string{"custom", "documentation", "plugin_instrumentation", "rbac"}
	if !s.Passed || s.WarningCount != 4 || s.ErrorCount != 0 || !slices.Equal(s.PolicyTypesChecked, want) || s.ModelsValidated != 2 {
		t.Errorf("enforcement_result = %+v, want passed, 4 warnings, types %v, 2 models", s, want)
	}
	if !strings.Contains(string(res.Product.ArtifactsJSON), `"warning_count": 4`) {
		t.Errorf("artifact does not carry the warning count")
	}
}
