package airflow

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/*/want")

func intPtr(i int) *int { return &i }

func preset(name, rc, rm, lc, lm string) schemas.NamedResourcePreset {
	return schemas.NamedResourcePreset{Name: name, Resources: schemas.ResourceRequirements{
		Requests: schemas.ResourceList{CPU: rc, Memory: rm},
		Limits:   schemas.ResourceList{CPU: lc, Memory: lm},
	}}
}

// customer360 is the Product the compiler builds for examples/customer-360 with the local
// manifest and `plugins.orchestrator.type: airflow`, written by hand (as codegen/dagster's
// tests do) so this package is tested alone; its artifact is the compiler's.
func customer360(t *testing.T) *schemas.Product {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "customer-360", "compiled_artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var art schemas.CompiledArtifacts
	if err := json.Unmarshal(raw, &art); err != nil {
		t.Fatalf("decode artifacts: %v", err)
	}
	presets := []schemas.NamedResourcePreset{
		preset("large", "500m", "1Gi", "2000m", "2Gi"),
		preset("medium", "250m", "512Mi", "1000m", "1Gi"),
		preset("small", "100m", "256Mi", "500m", "512Mi"),
	}
	type m struct {
		name, preset, mode string
		deps               []string
	}
	models := []m{
		{"stg_crm_customers", "small", "overwrite", nil},
		{"stg_transactions", "small", "append", nil},
		{"stg_support_tickets", "small", "overwrite", nil},
		{"int_customer_orders", "medium", "overwrite", []string{"stg_transactions", "stg_crm_customers"}},
		{"int_customer_support", "medium", "overwrite", []string{"stg_crm_customers", "stg_support_tickets"}},
		{"mart_customer_360", "large", "partition_overwrite", []string{"int_customer_orders", "int_customer_support"}},
	}
	p := &schemas.Product{
		Artifacts: &art, ArtifactsJSON: raw, RedactedArtifactsJSON: raw,
		FloeVersion: "0.1.0", ContractVersion: "0.10.0",
		Name: "customer-360", Version: "1.0.0", Slug: "customer_360", DbtProjectName: "customer_360",
		Orchestrator:    "airflow",
		ResourcePresets: presets, DefaultPreset: "small",
		Schedules: schemas.ScheduleFile{FileVersion: "1", FloeVersion: "0.1.0", ContractVersion: "0.10.0", Product: "customer-360",
			Schedules: []schemas.Schedule{{Name: "customer_360_schedule", Cron: "0 6 * * *", Timezone: "Europe/Berlin", Enabled: true, Source: "floe.yaml"}}},
		Iceberg: schemas.IcebergIOConfig{FileVersion: "1", FloeVersion: "0.1.0", ContractVersion: "0.10.0", Product: "customer-360",
			Catalog: schemas.IcebergCatalog{Name: "floe", Type: "sql", URI: "sqlite:///target/floe-local/catalog.db",
				Warehouse: "target/floe-local/warehouse", Properties: []schemas.KeyValue{}, Credentials: []schemas.SecretEnv{}},
			Namespace: "customer_360", SnapshotKeepLast: intPtr(5)},
		Lineage:    schemas.LineageConfig{Enabled: true, Transport: "file", File: "target/floe-local/lineage.jsonl", Namespace: "customer-360"},
		Deployment: schemas.Deployment{ImageRepository: "ghcr.io/example/floe-customer-360", ImageTag: "1.0.0"},
	}
	for i, x := range models {
		var partition []string
		if x.mode == "partition_overwrite" {
			partition = []string{"region"}
		}
		tbl := schemas.IcebergTable{Model: x.name, Identifier: "customer_360." + x.name, WriteMode: x.mode, PartitionBy: partition}
		var res *schemas.ResourceRequirements
		for _, pr := range presets {
			if pr.Name == x.preset {
				r := pr.Resources
				res = &r
			}
		}
		p.Models = append(p.Models, schemas.ModelPlan{Name: x.name, DependsOn: x.deps, Compute: "duckdb",
			Layer: i / 3, Preset: x.preset, Resources: res, Table: tbl})
		p.Iceberg.Tables = append(p.Iceberg.Tables, tbl)
	}
	return p
}

// production is customer360 on a production platform: an http lineage backend, Secrets
// for the catalog credentials and the dbt profile, plain environment variables.
func production(t *testing.T) *schemas.Product {
	p := customer360(t)
	p.Lineage = schemas.LineageConfig{Enabled: true, Transport: "http", Endpoint: "https://marquez.example.com/api/v1/lineage", Namespace: "retail"}
	p.Deployment.Secrets = []schemas.SecretEnv{
		{Property: "credential", Env: "FLOE_CATALOG_CREDENTIAL", SecretName: "customer-360-catalog", SecretKey: "credential"},
		{Property: "", Env: "DBT_ENV_SECRET_FLOE_PASSWORD", SecretName: "customer-360-compute", SecretKey: "DBT_ENV_SECRET_FLOE_PASSWORD"},
	}
	p.Deployment.Env = []schemas.KeyValue{{Key: "FLOE_ENV", Value: "prod"}, {Key: "AWS_REGION", Value: "on"}}
	return p
}

// chartOptions are the options of `floe package` with the default output directory.
func chartOptions() gen.Options {
	return gen.Options{ProjectDir: "../..", Chart: true}
}

// generateFiles runs Generate and returns its files by path.
func generateFiles(t *testing.T, p *schemas.Product, opts gen.Options) map[string][]byte {
	t.Helper()
	files, err := Generate(p, opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		if _, dup := out[f.Path]; dup {
			t.Fatalf("Generate returned %s twice", f.Path)
		}
		out[f.Path] = f.Data
	}
	return out
}

// golden compares got with testdata/<name>, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./codegen/airflow -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./codegen/airflow -update to accept):\n%s",
			name, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(equal lines, different bytes)"
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
