package synth

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var specRE = regexp.MustCompile(`AssetSpec\("([^"]+)"(?:, deps=\[([^\]]*)\])?\)`)

// The floor location declares exactly the product's transforms, each with the distinct
// dependsOn of its transform in Spec; the stock one loads dbt's manifest with dagster-dbt.
func TestBenchLocationsMatchSpec(t *testing.T) {
	for _, n := range []int{1, 10, 150} {
		var spec struct {
			Transforms []struct {
				Name      string
				DependsOn []string `yaml:"dependsOn"`
			}
		}
		if err := yaml.Unmarshal(Spec(n), &spec); err != nil {
			t.Fatalf("Spec(%d): %v", n, err)
		}
		files := map[string]string{}
		for _, f := range BenchLocations(n) {
			files[f.Name] = string(f.Data)
		}
		got := map[string][]string{}
		for _, m := range specRE.FindAllStringSubmatch(files[FloorLocation], -1) {
			var deps []string
			for _, d := range strings.Split(m[2], ", ") {
				if d != "" {
					deps = append(deps, strings.Trim(d, `"`))
				}
			}
			got[m[1]] = deps
		}
		if len(got) != len(spec.Transforms) {
			t.Fatalf("n=%d: %d AssetSpecs, %d transforms", n, len(got), len(spec.Transforms))
		}
		for _, tr := range spec.Transforms {
			want := slices.Compact(slices.Sorted(slices.Values(tr.DependsOn)))
			deps := slices.Sorted(slices.Values(got[tr.Name]))
			if !slices.Equal(deps, want) || len(deps) != len(got[tr.Name]) {
				t.Errorf("n=%d %s: deps %v, dependsOn %v", n, tr.Name, got[tr.Name], tr.DependsOn)
			}
		}
		for _, want := range []string{"@dbt_assets(manifest=", "define_asset_job(", "ScheduleDefinition("} {
			if !strings.Contains(files[StockLocation], want) {
				t.Errorf("stock location lacks %s", want)
			}
		}
	}
}
