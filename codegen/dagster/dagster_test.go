package dagster

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/templates/runtime"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/*/want")

func intPtr(i int) *int { return &i }

func preset(name, rc, rm, lc, lm string) schemas.NamedResourcePreset {
	return schemas.NamedResourcePreset{Name: name, Resources: schemas.ResourceRequirements{
		Requests: schemas.ResourceList{CPU: rc, Memory: rm},
		Limits:   schemas.ResourceList{CPU: lc, Memory: lm},
	}}
}

// loadArtifacts reads testdata/<name>/compiled_artifacts.json (what the compiler wrote).
func loadArtifacts(t *testing.T, name string) (*schemas.CompiledArtifacts, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name, "compiled_artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var a schemas.CompiledArtifacts
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatalf("decode artifacts: %v", err)
	}
	return &a, data
}

// customer360 is the Product the compiler builds for examples/customer-360 with the local
// manifest (SQL catalog, file lineage), written by hand so this package is tested alone.
func customer360(t *testing.T) *schemas.Product {
	art, raw := loadArtifacts(t, "customer-360")
	presets := []schemas.NamedResourcePreset{
		preset("large", "500m", "1Gi", "2000m", "2Gi"),
		preset("medium", "250m", "512Mi", "1000m", "1Gi"),
		preset("small", "100m", "256Mi", "500m", "512Mi"),
	}
	type m struct {
		name, tier, tag, preset, mode string
		deps                          []string
	}
	models := []m{
		{"stg_crm_customers", "bronze", "staging", "small", "overwrite", nil},
		{"stg_transactions", "bronze", "staging", "small", "append", nil},
		{"stg_support_tickets", "bronze", "staging", "small", "overwrite", nil},
		{"int_customer_orders", "silver", "intermediate", "medium", "overwrite", []string{"stg_transactions", "stg_crm_customers"}},
		{"int_customer_support", "silver", "intermediate", "medium", "overwrite", []string{"stg_crm_customers", "stg_support_tickets"}},
		{"mart_customer_360", "gold", "marts", "medium", "partition_overwrite", []string{"int_customer_orders", "int_customer_support"}},
	}
	p := &schemas.Product{
		Artifacts: art, ArtifactsJSON: raw,
		FloeVersion: "0.1.0", ContractVersion: "0.10.0",
		Name: "customer-360", Version: "1.0.0", Slug: "customer_360", DbtProjectName: "customer_360",
		Orchestrator:    "dagster",
		ResourcePresets: presets, DefaultPreset: "small",
		Schedules: schemas.ScheduleFile{FileVersion: "1", FloeVersion: "0.1.0", ContractVersion: "0.10.0", Product: "customer-360",
			Schedules: []schemas.Schedule{{Name: "customer_360_schedule", Cron: "*/10 * * * *", Timezone: "UTC", Enabled: true, Source: "floe.yaml"}}},
		Iceberg: schemas.IcebergIOConfig{FileVersion: "1", FloeVersion: "0.1.0", ContractVersion: "0.10.0", Product: "customer-360",
			Catalog: schemas.IcebergCatalog{Name: "floe", Type: "sql", URI: "sqlite:///target/floe-local/catalog.db",
				Warehouse: "target/floe-local/warehouse", Properties: []schemas.KeyValue{}, Credentials: []schemas.SecretEnv{}},
			Namespace: "customer_360", SnapshotKeepLast: intPtr(3)},
		Lineage: schemas.LineageConfig{Enabled: true, Transport: "file", File: "target/floe-local/lineage.jsonl", Namespace: "customer-360"},
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
		p.Models = append(p.Models, schemas.ModelPlan{Name: x.name, DependsOn: x.deps, Tags: []string{x.tag}, Tier: x.tier,
			Compute: "duckdb", Layer: i / 3, Preset: x.preset, Resources: res, Table: tbl})
		p.Iceberg.Tables = append(p.Iceberg.Tables, tbl)
	}
	return p
}

// hostile is a product whose user text tries to break out of Python strings. The
// compiler rejects such names; the generator must escape them anyway.
func hostile(t *testing.T) *schemas.Product {
	p := customer360(t)
	p.Version = "1.0.0\"\nimport os  # '"
	p.Lineage.Endpoint = "http://x/\\\"); os.system('boom') #"
	p.Models[0].Tags = []string{"it's", `say "hi"`, "tab\there", "nl\nthere"}
	p.Models[1].DependsOn = []string{"a_really_long_dependency_name_number_one", "a_really_long_dependency_name_number_two"}
	return p
}

func TestGolden(t *testing.T) {
	cases := map[string]func(*testing.T) *schemas.Product{
		"customer-360": customer360,
		"hostile":      hostile,
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			files, err := Generate(build(t), gen.Options{ProjectDir: "../.."})
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join("testdata", name, "want")
			if *update {
				if err := os.RemoveAll(want); err != nil {
					t.Fatal(err)
				}
			}
			seen := map[string]bool{}
			for _, f := range files {
				// The runtime package is checked byte-for-byte against the embed below;
				// only its stamp belongs in the golden tree.
				if strings.HasPrefix(f.Path, runtime.PackageDir+"/") && f.Path != runtime.StampFile {
					continue
				}
				seen[f.Path] = true
				path := filepath.Join(want, filepath.FromSlash(f.Path))
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				golden, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%s: %v (run go test ./codegen/dagster -update)", f.Path, err)
				}
				if !bytes.Equal(golden, f.Data) {
					t.Errorf("%s differs from %s (run go test ./codegen/dagster -update and review the diff)", f.Path, path)
				}
			}
			_ = filepath.WalkDir(want, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(want, path)
				if !seen[filepath.ToSlash(rel)] {
					t.Errorf("golden file %s is no longer generated", rel)
				}
				return nil
			})
		})
	}
}

func TestRuntimeCopiedByteForByte(t *testing.T) {
	files, err := Generate(customer360(t), gen.Options{ProjectDir: "../.."})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for _, f := range files {
		got[f.Path] = f.Data
	}
	n := 0
	err = fs.WalkDir(runtime.Package(), runtime.PackageDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".py") || path == runtime.StampFile {
			return err
		}
		n++
		src, _ := fs.ReadFile(runtime.Package(), path)
		// The emitter marks each copy as generated; the hand-written source is not.
		if !bytes.Equal(append([]byte(generatedHeader), src...), got[path]) {
			t.Errorf("%s is not the generated header followed by the embedded runtime, byte for byte", path)
		}
		if bytes.Contains(src, []byte("DO NOT EDIT")) {
			t.Errorf("%s: the hand-written runtime source carries a generated-file header; the emitter adds it", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d runtime files embedded", n)
	}
	if !bytes.Contains(got[runtime.StampFile], []byte(`FLOE_VERSION = "0.1.0"`)) {
		t.Errorf("stamp lacks the floe version:\n%s", got[runtime.StampFile])
	}
}

func TestDeterministic(t *testing.T) {
	a, err := Generate(customer360(t), gen.Options{ProjectDir: "../.."})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		b, err := Generate(customer360(t), gen.Options{ProjectDir: "../.."})
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) {
			t.Fatalf("run %d: %d files, want %d", i, len(b), len(a))
		}
		for j := range a {
			if a[j].Path != b[j].Path || !bytes.Equal(a[j].Data, b[j].Data) {
				t.Fatalf("run %d: %s differs", i, a[j].Path)
			}
		}
	}
	for i := 1; i < len(a); i++ {
		if a[i-1].Path >= a[i].Path {
			t.Errorf("files not sorted: %s before %s", a[i-1].Path, a[i].Path)
		}
	}
}

func TestGeneratorMetadata(t *testing.T) {
	if Generator.Name() != "dagster" || Generator.ContractVersion() != "0.10.0" || Generator.Version() == "" {
		t.Errorf("metadata: %s %s %s", Generator.Name(), Generator.Version(), Generator.ContractVersion())
	}
	p := customer360(t)
	p.ContractVersion = "0.9.0"
	if _, err := Generate(p, gen.Options{}); err == nil || !strings.Contains(err.Error(), "0.9.0") {
		t.Errorf("want a contract version error, got %v", err)
	}
}

func TestPyString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         `"plain"`,
		`a"b`:           `'a"b'`,
		`a"b'c`:         `"a\"b'c"`,
		"it's":          `"it's"`,
		"back\\slash":   `"back\\slash"`,
		"nl\ncr\rtab\t": `"nl\ncr\rtab\t"`,
		"bell\x07":      `"bell\x07"`,
		"café":          `"café"`,
		"\u2028":        `"\u2028"`,
	} {
		if got := pyString(in); got != want {
			t.Errorf("pyString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPyIdent(t *testing.T) {
	for in, want := range map[string]string{
		"customer-360": "customer_360",
		"a--b":         "a_b",
		"9lives":       "_9lives",
		"":             "floe",
		"ünï":          "n",
		"x.y z":        "x_y_z",
	} {
		if got := pyIdent(in); got != want {
			t.Errorf("pyIdent(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPyTupleWraps(t *testing.T) {
	short := pyTuple(12, "tags", []string{"a"})
	if short != `tags=("a",)` {
		t.Errorf("short: %s", short)
	}
	long := pyTuple(12, "depends_on", []string{strings.Repeat("x", 40), strings.Repeat("y", 40)})
	if !strings.Contains(long, "\n") || !strings.HasSuffix(long, "\n            )") {
		t.Errorf("long tuple not exploded:\n%s", long)
	}
}

// TestWriteTree writes the customer-360 output (plus compiled_artifacts.json, which the
// CLI writes in real runs) to $FLOE_DAGSTER_OUT, for working on the runtime before the
// compiler exists. Skipped unless the variable is set.
func TestWriteTree(t *testing.T) {
	out := os.Getenv("FLOE_DAGSTER_OUT")
	if out == "" {
		t.Skip("FLOE_DAGSTER_OUT not set")
	}
	p := customer360(t)
	files, err := Generate(p, gen.Options{ProjectDir: "../.."})
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, gen.File{Path: "compiled_artifacts.json", Data: p.ArtifactsJSON})
	for _, f := range files {
		path := filepath.Join(out, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFingerprintStable(t *testing.T) {
	a, b := runtime.Fingerprint(), runtime.Fingerprint()
	if a != b || len(a) != 64 {
		t.Fatalf("fingerprint unstable or malformed: %q %q", a, b)
	}
}

func TestProfilesYAMLKeepsOrderAndTypes(t *testing.T) {
	p := customer360(t)
	dev := schemas.NewMap()
	dev.Set("type", "duckdb")
	dev.Set("path", "target/x.duckdb")
	dev.Set("threads", schemas.Int("4"))
	dev.Set("ratio", schemas.Float(0.5))
	dev.Set("enabled", true)
	dev.Set("extensions", []any{"httpfs", "iceberg"})
	dev.Set("comment", "needs: quoting # here")
	dev.Set("nothing", nil)
	outputs := schemas.NewMap()
	outputs.Set("dev", dev)
	profile := schemas.NewMap()
	profile.Set("target", "dev")
	profile.Set("outputs", outputs)
	profiles := schemas.NewMap()
	profiles.Set("customer-360", profile)
	p.Artifacts.DbtProfiles = profiles
	got, err := profilesYAML(p)
	if err != nil {
		t.Fatal(err)
	}
	want := generatedHeader + `# dbt profiles of customer-360, from compiled_artifacts.json dbt_profiles.
customer-360:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('FLOE_DUCKDB_PATH', 'target/x.duckdb') }}"
      threads: 4
      ratio: 0.5
      enabled: true
      extensions:
        - httpfs
        - iceberg
      comment: 'needs: quoting # here'
      nothing: null
`
	if string(got) != want {
		t.Errorf("profiles.yml:\n%s\nwant:\n%s", got, want)
	}
}

func TestDbtProfileNeedsATarget(t *testing.T) {
	p := customer360(t)
	profile := schemas.NewMap()
	profile.Set("outputs", schemas.NewMap())
	profiles := schemas.NewMap()
	profiles.Set("customer-360", profile)
	p.Artifacts.DbtProfiles = profiles
	if _, err := Generate(p, gen.Options{}); err == nil || !strings.Contains(err.Error(), "has no target") {
		t.Errorf("want a missing-target error, got %v", err)
	}
}

// duckDBPathCases are DuckDB paths that must come out of dbt's rendering of profiles.yml
// exactly as compiled. tests/runtime/test_unit_profiles.py renders the golden below with
// Jinja (as dbt does) and compares each output's path with paths.json.
var duckDBPathCases = []string{
	"target/floe-local/plain.duckdb",
	"/data/it's.duckdb",
	`C:\data\back\slash.duckdb`,
	`/data/{{ not jinja }}/x.duckdb`,
	`/data/quote"d/'}}').duckdb`,
	"/data/ünïcode dir/x.duckdb",
}

func TestDuckDBPathsStayDataInProfiles(t *testing.T) {
	p := customer360(t)
	outputs := schemas.NewMap()
	for i, path := range duckDBPathCases {
		out := schemas.NewMap()
		out.Set("type", "duckdb")
		out.Set("path", path)
		outputs.Set(fmt.Sprintf("out%d", i), out)
	}
	memory := schemas.NewMap()
	memory.Set("type", "duckdb")
	memory.Set("path", ":memory:")
	outputs.Set("memory", memory)
	profile := schemas.NewMap()
	profile.Set("target", "out0")
	profile.Set("outputs", outputs)
	profiles := schemas.NewMap()
	profiles.Set("customer-360", profile)
	p.Artifacts.DbtProfiles = profiles
	got, err := profilesYAML(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "path: ':memory:'") {
		t.Errorf(":memory: must stay a plain path:\n%s", got)
	}
	want, err := json.MarshalIndent(duckDBPathCases, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"profiles.yml": got, "paths.json": append(want, '\n')} {
		path := filepath.Join("testdata", "duckdb-paths", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./codegen/dagster -update)", err)
		}
		if !bytes.Equal(old, data) {
			t.Errorf("%s differs (run go test ./codegen/dagster -update and review the diff)", path)
		}
	}
}
