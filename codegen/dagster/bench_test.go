package dagster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// synthProduct is a product with customer-360's dbt profile and n models shaped like internal/synth's: layers of
// width √n, each model after the first layer depending on three models of the layer
// before, two tags, every tenth model on the "medium" preset.
func synthProduct(tb testing.TB, n int) *schemas.Product {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "customer-360", "compiled_artifacts.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var art schemas.CompiledArtifacts
	if err := json.Unmarshal(data, &art); err != nil {
		tb.Fatalf("decode artifacts: %v", err)
	}
	p := &schemas.Product{
		Artifacts: &art, FloeVersion: "0.1.0", Name: "customer-360", Version: "1.0.0", Slug: "synthetic",
		ResourcePresets: []schemas.NamedResourcePreset{
			preset("medium", "250m", "512Mi", "1", "1Gi"),
			preset("small", "100m", "256Mi", "500m", "512Mi"),
		},
		DefaultPreset: "small",
	}
	w := 1
	for w*w < n {
		w++
	}
	tiers := []string{"bronze", "silver", "gold"}
	models := make([]schemas.ModelPlan, n)
	for i := range models {
		layer := i / w
		m := schemas.ModelPlan{
			Name:   fmt.Sprintf("m_%d", i),
			Tier:   tiers[min(layer, 2)],
			Preset: "small",
			Tags:   []string{fmt.Sprintf("layer_%d", layer), "synthetic"},
		}
		if i%10 == 0 {
			m.Preset = "medium"
		}
		if layer > 0 {
			prev := (layer - 1) * w
			for k := range 3 {
				m.DependsOn = append(m.DependsOn, fmt.Sprintf("m_%d", prev+(i*7+k*13)%w))
			}
		}
		models[i] = m
	}
	p.Models = models
	return p
}

// BenchmarkRenderDefinitions is the cost of definitions.py for a large product: the
// view (sorting each model's dependencies) and the rendering.
func BenchmarkRenderDefinitions(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			p := synthProduct(b, n)
			b.ReportAllocs()
			var size int
			for b.Loop() {
				v, err := newDefinitionsView(p, gen.Options{ProjectDir: "../.."})
				if err != nil {
					b.Fatal(err)
				}
				out, err := renderDefinitions(v)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.SetBytes(int64(size))
		})
	}
}
