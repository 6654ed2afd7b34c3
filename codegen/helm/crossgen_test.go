package helm

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/floe-dev/floe/codegen/dagster"
	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// TestConfigMapFilesMatchOrchestratorFiles: the chart's ConfigMap carries exactly the
// schedules.json and iceberg_io.json the Dagster generator writes for the same product.
func TestConfigMapFilesMatchOrchestratorFiles(t *testing.T) {
	for name, p := range map[string]*schemas.Product{"customer-360": customer360(), "empty lists": emptyLists()} {
		t.Run(name, func(t *testing.T) {
			// The Dagster generator needs real artifacts (dbt profiles); borrow its fixture.
			raw, err := os.ReadFile(filepath.Join("..", "dagster", "testdata", "customer-360", "compiled_artifacts.json"))
			if err != nil {
				t.Skipf("no dagster fixture: %v", err)
			}
			var art schemas.CompiledArtifacts
			if err := json.Unmarshal(raw, &art); err != nil {
				t.Fatal(err)
			}
			p.Artifacts, p.ArtifactsJSON = &art, raw
			orch, err := dagster.Generate(p, gen.Options{ProjectDir: "../..", Time: chartOptions().Time})
			if err != nil {
				t.Skipf("dagster generator does not take this hand-built product: %v", err)
			}
			want := map[string][]byte{}
			for _, f := range orch {
				want[f.Path] = f.Data
			}
			chart := exampleChart(t, p)
			for _, f := range []string{dagster.SchedulesFile, dagster.IcebergFile} {
				if w, ok := want[f]; !ok {
					t.Errorf("dagster generator wrote no %s", f)
				} else if got := chartFileData(t, chart, "files/"+f); !bytes.Equal(got, w) {
					t.Errorf("files/%s differs from the dagster generator's %s:\n%s", f, f, firstDiff(string(w), string(got)))
				}
			}
		})
	}
}

// emptyLists is customer-360 with every optional list nil.
func emptyLists() *schemas.Product {
	p := customer360()
	p.Schedules.Schedules = nil
	p.Iceberg.Catalog.Properties = nil
	p.Iceberg.Catalog.Credentials = nil
	return p
}
