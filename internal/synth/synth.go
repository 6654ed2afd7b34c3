// Package synth writes synthetic floe products of any size for benchmarks and stress
// tests: a layered fan-in graph (each transform depends on up to three transforms of
// the previous layer), tags, tiers, a schedule, and a three-tier manifest chain.
// DbtProject adds the dbt project that matches such a product (one model per
// transform, ref()s equal to its dependsOn), for loading it in Dagster.
package synth

import (
	"fmt"
	"strings"
)

// ProductName is the metadata.name of every synthetic product, and so the name of
// the dbt profile floe compiles for it.
const ProductName = "synthetic"

// width is the layer width of a product of n transforms: ⌈√n⌉.
func width(n int) int {
	w := 1
	for w*w < n {
		w++
	}
	return w
}

// parents returns the dependsOn of transform i (indices, in Spec's order; they may
// repeat when the layer is narrow). Layer 0 has none.
func parents(i, w int) []int {
	layer := i / w
	if layer == 0 {
		return nil
	}
	prev := (layer - 1) * w
	deps := make([]int, 3)
	for k := range deps {
		deps[k] = prev + (i*7+k*13)%w
	}
	return deps
}

// Spec returns a floe.yaml with n transforms in layers of width ⌈√n⌉.
// Its bytes are part of every published benchmark: keep them stable.
func Spec(n int) []byte {
	w := width(n)
	var b strings.Builder
	b.Grow(n * 110)
	b.WriteString("apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata:\n  name: " + ProductName + "\n  version: 1.0.0\n")
	b.WriteString("platform:\n  manifest: domain.yaml\ntransforms:\n")
	tiers := []string{"bronze", "silver", "gold"}
	for i := range n {
		layer := i / w
		fmt.Fprintf(&b, "  - name: m_%d\n    tags: [layer_%d, synthetic]\n    tier: %s\n", i, layer, tiers[min(layer, 2)])
		if deps := parents(i, w); len(deps) > 0 {
			b.WriteString("    dependsOn: [")
			for k, d := range deps {
				if k > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "m_%d", d)
			}
			b.WriteString("]\n")
		}
		if i%10 == 0 {
			b.WriteString("    resources: medium\n")
		}
	}
	b.WriteString("schedule:\n  cron: \"0 3 * * *\"\n  timezone: Europe/Berlin\n")
	return []byte(b.String())
}

// Enterprise is the top manifest of the chain.
const Enterprise = `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: synth-enterprise, version: 1.0.0, owner: platform@example.com}
scope: enterprise
approved_plugins:
  compute: [duckdb]
plugins:
  compute: {type: duckdb, config: {path: "target/floe-local/{product_slug}.duckdb", threads: 4}}
  orchestrator: {type: dagster, config: {default_preset: small}}
governance:
  policy_enforcement_level: warn
  audit_logging: enabled
  naming: {enforcement: warn, pattern: custom, custom_patterns: ["^m_[0-9]+$"]}
resource_presets:
  small: {requests: {cpu: 100m, memory: 256Mi}, limits: {cpu: 500m, memory: 512Mi}}
  medium: {requests: {cpu: 250m, memory: 512Mi}, limits: {cpu: "1", memory: 1Gi}}
`

// Domain is the product's manifest; its parent is enterprise.yaml.
const Domain = `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: synth-domain, version: 1.0.0, owner: domain@example.com}
scope: domain
parent_manifest: enterprise.yaml
plugins:
  catalog: {type: sql, config: {uri: "sqlite:///target/floe-local/catalog.db", warehouse: target/floe-local/warehouse}}
governance:
  policy_enforcement_level: warn
  snapshot_keep_last: 5
`
