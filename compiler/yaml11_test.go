package compiler

import (
	"encoding/json"
	"testing"
)

// TestArtifactCarriesReferenceValues compiles values the reference reads by YAML 1.1
// and converts by lax mode, and checks the artifact holds what the reference writes:
// converted typed fields, and free-form plugin config as YAML 1.1 reads it.
func TestArtifactCarriesReferenceValues(t *testing.T) {
	spec := []byte(`apiVersion: floe.dev/v1
kind: FloeSpec
metadata: {name: lax, version: 1.0.0}
transforms:
  - name: stg_a
    qualityChecks:
      - {name: nn, type: not_null, dimension: completeness, enabled: 'no', custom_weight: "2.5"}
schedule: {cron: "@daily", enabled: 'false'}
`)
	manifest := []byte(`apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: lax-platform, version: 1.0.0, owner: me@example.com}
plugins:
  compute: {type: duckdb, config: {threads: 2}}
  orchestrator: {type: dagster}
  catalog:
    type: polaris
    config: {flag: yes, octal: 017, sexagesimal: 1:30, text: 0o17, exp: 1e3, float: 1_000.5, day: 2024-01-01}
governance:
  policy_enforcement_level: 'warn'
  data_retention_days: '30'
  snapshot_keep_last: 3.0
`)
	res := compileMem("p/floe.yaml", "p/manifest.yaml", map[string][]byte{"p/floe.yaml": spec, "p/manifest.yaml": manifest})
	if res.Product == nil {
		t.Fatalf("compile failed: %v", res.Diags)
	}
	var ca struct {
		Plugins struct {
			Catalog struct {
				Config map[string]any `json:"config"`
			} `json:"catalog"`
		} `json:"plugins"`
		Governance  map[string]any `json:"governance"`
		Transforms struct {
			Models []struct {
				QualityChecks []map[string]any `json:"quality_checks"`
			} `json:"models"`
		} `json:"transforms"`
	}
	if err := json.Unmarshal(res.Product.ArtifactsJSON, &ca); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"flag": true, "octal": 15.0, "sexagesimal": 90.0, "text": "0o17", "exp": "1e3", "float": 1000.5, "day": "2024-01-01"}
	for k, v := range want {
		if got := ca.Plugins.Catalog.Config[k]; got != v {
			t.Errorf("plugins.catalog.config.%s = %#v, want %#v (as the reference writes it)", k, got, v)
		}
	}
	if g := ca.Governance; g["data_retention_days"] != 30.0 || g["snapshot_keep_last"] != 3.0 {
		t.Errorf("governance = %v, want data_retention_days 30 and snapshot_keep_last 3 as numbers", g)
	}
	qc := ca.Transforms.Models[0].QualityChecks[0]
	if qc["enabled"] != false || qc["custom_weight"] != 2.5 {
		t.Errorf("quality check = %v, want enabled false and custom_weight 2.5", qc)
	}
	if s := res.Product.Schedules.Schedules; len(s) != 1 || s[0].Enabled {
		t.Errorf("schedules = %+v, want one, disabled", s)
	}
}
