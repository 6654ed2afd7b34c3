package codegen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// product is a small compiled product for orchestrator, from the Airflow generator's
// test artifact (the compiler's output for examples/customer-360).
func product(t *testing.T, orchestrator string) *schemas.Product {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("airflow", "testdata", "customer-360", "compiled_artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var art schemas.CompiledArtifacts
	if err := json.Unmarshal(raw, &art); err != nil {
		t.Fatal(err)
	}
	return &schemas.Product{
		Artifacts: &art, ArtifactsJSON: raw, RedactedArtifactsJSON: raw,
		FloeVersion: "0.1.0", ContractVersion: "0.10.0",
		Name: "customer-360", Version: "1.0.0", Slug: "customer_360", DbtProjectName: "customer_360",
		Orchestrator: orchestrator,
		Models:       []schemas.ModelPlan{{Name: "stg_a", Compute: "duckdb", Table: schemas.IcebergTable{Model: "stg_a", Identifier: "customer_360.stg_a", WriteMode: "overwrite"}}},
		Schedules:    schemas.ScheduleFile{FileVersion: "1", FloeVersion: "0.1.0", ContractVersion: "0.10.0", Product: "customer-360"},
		Iceberg: schemas.IcebergIOConfig{FileVersion: "1", FloeVersion: "0.1.0", ContractVersion: "0.10.0", Product: "customer-360",
			Catalog:   schemas.IcebergCatalog{Name: "floe", Type: "sql", URI: "sqlite:///c.db", Properties: []schemas.KeyValue{}, Credentials: []schemas.SecretEnv{}},
			Namespace: "customer_360",
			Tables:    []schemas.IcebergTable{{Model: "stg_a", Identifier: "customer_360.stg_a", WriteMode: "overwrite"}}},
	}
}

func TestOrchestratorsHaveGenerators(t *testing.T) {
	if got := Orchestrators(); !slices.Equal(got, []string{"airflow", "dagster"}) {
		t.Errorf("Orchestrators() = %v", got)
	}
	names := map[string]bool{}
	for _, g := range Registered() {
		names[g.Name()] = true
		if g.Version() == "" || g.ContractVersion() != schemas.ContractVersion {
			t.Errorf("generator %s: version %q, contract %q", g.Name(), g.Version(), g.ContractVersion())
		}
	}
	for _, want := range []string{"airflow", "dagster", "helm"} {
		if !names[want] {
			t.Errorf("generator %s not registered", want)
		}
	}
}

// TestOneOrchestratorPerProduct: a product gets its orchestrator's code location only,
// and the Dagster packaging only with Dagster (the Airflow generator packages itself).
func TestOneOrchestratorPerProduct(t *testing.T) {
	for orchestrator, c := range map[string]struct{ want, not []string }{
		"dagster": {want: []string{"definitions.py", "helm/values.yaml", "Dockerfile"}, not: []string{"dag.py", "helm/airflow-values.yaml"}},
		"airflow": {want: []string{"dag.py", "helm/airflow-values.yaml", "Dockerfile", "floe_runtime/iceberg.py"}, not: []string{"definitions.py", "helm/values.yaml", "helm/dagster-values.yaml"}},
	} {
		// floe package: the image's Dockerfile too, written by one generator only.
		files, err := Generate(product(t, orchestrator), Options{Options: gen.Options{ProjectDir: "../..", Chart: true}})
		if err != nil {
			t.Fatalf("%s: %v", orchestrator, err)
		}
		paths := map[string]bool{}
		for _, f := range files {
			paths[f.Path] = true
		}
		for _, w := range c.want {
			if !paths[w] {
				t.Errorf("%s: no %s", orchestrator, w)
			}
		}
		for _, n := range c.not {
			if paths[n] {
				t.Errorf("%s: wrote %s", orchestrator, n)
			}
		}
	}
}
