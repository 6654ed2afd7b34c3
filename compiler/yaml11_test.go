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
		Governance map[string]any `json:"governance"`
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

// TestArtifactsBlockAccepted: a complete artifacts block the reference accepts (the
// example of its ArtifactsConfig plus every sub-block) compiles.
func TestArtifactsBlockAccepted(t *testing.T) {
	spec := []byte("apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: a, version: 1.0.0}\ntransforms: [{name: stg_a}]\n")
	manifest := []byte(`apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: p, version: 1.0.0, owner: me@example.com}
plugins: {compute: {type: duckdb}, orchestrator: {type: dagster}}
artifacts:
  registry:
    uri: oci://harbor.example.com:8443/floe/products
    auth: {type: basic, credentials_ref: {name: harbor-creds, source: kubernetes, key: password}}
    tls_verify: true
    cache: {enabled: true, path: /var/cache/floe, max_size_gb: 5, ttl_hours: 12}
    resilience:
      retry: {max_attempts: 10, initial_delay_ms: 100, backoff_multiplier: 1.5, max_delay_ms: 1000, jitter: false}
      circuit_breaker: {enabled: true, failure_threshold: 3, recovery_timeout_ms: 1000, half_open_requests: 2}
    signing: {mode: keyless, oidc_issuer: "https://token.actions.githubusercontent.com"}
    verification:
      enforcement: warn
      trusted_issuers: [{issuer: "https://token.actions.githubusercontent.com", subject_regex: "^repo:acme/.*$"}]
      environments: {prod: {enforcement: enforce, require_sbom: true}}
      grace_period_days: 0
  promotion:
    environments:
      - {name: dev, gates: {policy_compliance: true, tests: true}}
      - name: prod
        gates: {policy_compliance: true, security_scan: {command: "trivy image", block_on_severity: [CRITICAL, HIGH]}}
        authorization: {allowed_groups: [platform], separation_of_duties: true}
        lock: {locked: false}
    audit_backend: s3
    webhooks: [{url: "https://hooks.example.com", events: [promote, rollback], headers: {X-Team: data}}]
    gate_commands: {tests: "make test", security_scan: {command: grype}}
    signature_enforcement: warn
`)
	res := compileMem("p/floe.yaml", "p/manifest.yaml", map[string][]byte{"p/floe.yaml": spec, "p/manifest.yaml": manifest})
	if res.Product == nil || len(res.Diags) > 0 {
		t.Fatalf("want a clean compile, got %v", res.Diags)
	}
}
