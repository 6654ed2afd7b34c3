package airflow

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/floe-dev/floe/codegen/dagster"
	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
	airflowtmpl "github.com/floe-dev/floe/templates/airflow"
)

// TestGolden pins every file this generator writes itself, for the example product (with
// the image files of `floe package`) and for a production platform.
func TestGolden(t *testing.T) {
	cases := map[string]func(*testing.T) *schemas.Product{
		"customer-360": customer360,
		"production":   production,
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			files := generateFiles(t, build(t), chartOptions())
			for _, f := range []string{DAGFile, IgnoreFile, ValuesFile, "Dockerfile", "Dockerfile.dockerignore"} {
				data, ok := files[f]
				if !ok {
					t.Fatalf("Generate wrote no %s", f)
				}
				golden(t, path.Join("customer-360", "want", name, f), data)
			}
		})
	}
}

// TestSharedFilesAreTheDagsterGenerators: the runtime layer, the dbt profile and the
// compiled files are the Dagster generator's, byte for byte; only definitions.py is not
// written, and every other file is this generator's own.
func TestSharedFilesAreTheDagsterGenerators(t *testing.T) {
	p := customer360(t)
	got := generateFiles(t, p, gen.Options{ProjectDir: "../.."})
	dagsterFiles, err := dagster.Generate(p, gen.Options{ProjectDir: "../.."})
	if err != nil {
		t.Fatal(err)
	}
	shared := map[string]bool{}
	for _, f := range dagsterFiles {
		if f.Path == dagster.DefinitionsFile {
			if _, ok := got[f.Path]; ok {
				t.Errorf("the Airflow output has the Dagster code location %s", f.Path)
			}
			continue
		}
		shared[f.Path] = true
		if !bytes.Equal(got[f.Path], f.Data) {
			t.Errorf("%s differs from the Dagster generator's", f.Path)
		}
	}
	for _, want := range []string{"floe_runtime/iceberg.py", "floe_runtime/step_inputs.py", "profiles.yml", "iceberg_io.json"} {
		if !shared[want] {
			t.Errorf("%s is not among the shared files", want)
		}
	}
	own := map[string]bool{DAGFile: true, IgnoreFile: true, ValuesFile: true}
	err = fs.WalkDir(airflowtmpl.Package(), airflowtmpl.PackageDir, func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(name, ".py") {
			own[name] = true
			data, _ := fs.ReadFile(airflowtmpl.Package(), name)
			if !bytes.Equal(got[name], append([]byte(generatedHeader), data...)) {
				t.Errorf("%s is not the embedded file behind the generated-file header", name)
			}
			if bytes.Contains(data, []byte("DO NOT EDIT")) {
				t.Errorf("%s: the hand-written source carries a generated-file header; the emitter adds it", name)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range got {
		if !shared[name] && !own[name] {
			t.Errorf("unexpected file %s", name)
		}
	}
	if len(got) != len(shared)+len(own) {
		t.Errorf("%d files, want %d shared and %d own", len(got), len(shared), len(own))
	}
}

// TestGenerateIsDeterministic: the same product gives the same bytes, every file.
func TestGenerateIsDeterministic(t *testing.T) {
	a := generateFiles(t, production(t), chartOptions())
	b := generateFiles(t, production(t), chartOptions())
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// TestEveryFileIsMarkedGenerated: the first line of every file with comments says so.
func TestEveryFileIsMarkedGenerated(t *testing.T) {
	for name, data := range generateFiles(t, customer360(t), chartOptions()) {
		ext := path.Ext(name)
		if ext != ".py" && ext != ".yaml" && ext != ".yml" && ext != ".txt" && !strings.HasPrefix(path.Base(name), "Dockerfile") && name != IgnoreFile {
			continue
		}
		if !bytes.HasPrefix(data, []byte(generatedHeader)) {
			t.Errorf("%s does not start with %q", name, generatedHeader)
		}
	}
}

// TestImageFilesOnlyWhenPackaging: the Dockerfile and its requirements come with
// `floe package` (gen.Options.Chart) only; the chart values always.
func TestImageFilesOnlyWhenPackaging(t *testing.T) {
	plain := generateFiles(t, customer360(t), gen.Options{ProjectDir: "../.."})
	for _, name := range []string{"Dockerfile", "Dockerfile.dockerignore", ImageRequirementsFile} {
		if _, ok := plain[name]; ok {
			t.Errorf("compile wrote %s", name)
		}
	}
	if _, ok := plain[ValuesFile]; !ok {
		t.Errorf("compile wrote no %s", ValuesFile)
	}
	packaged := generateFiles(t, customer360(t), chartOptions())
	reqs := string(packaged[ImageRequirementsFile])
	if !strings.Contains(reqs, "\napache-airflow=="+AirflowVersion+"\n") {
		t.Errorf("%s does not pin apache-airflow %s", ImageRequirementsFile, AirflowVersion)
	}
	if !strings.Contains(string(packaged["Dockerfile"]), "FROM "+BaseImage+"\n") {
		t.Errorf("Dockerfile is not built FROM %s", BaseImage)
	}
}

// TestRequirementsAreTheRepositorys: the image installs exactly what the tests ran with
// (requirements-airflow.txt at the repository root, which scripts/airflow-env.sh installs),
// and AirflowVersion is its Airflow.
func TestRequirementsAreTheRepositorys(t *testing.T) {
	root, err := os.ReadFile(filepath.Join("..", "..", "requirements-airflow.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(root, airflowtmpl.Requirements()) {
		t.Fatal("templates/airflow/requirements-airflow.txt differs from requirements-airflow.txt: copy it over")
	}
	if !regexp.MustCompile(`(?m)^apache-airflow==` + regexp.QuoteMeta(AirflowVersion) + `$`).Match(root) {
		t.Errorf("requirements-airflow.txt does not pin apache-airflow==%s", AirflowVersion)
	}
	if _, err := imageRequirements(); err != nil {
		t.Error(err)
	}
}

func TestDAGSchedule(t *testing.T) {
	for _, c := range []struct {
		cron, zone, want string
		enabled          bool
	}{
		{"0 6 * * *", "Europe/Berlin", "SCHEDULE = Schedule(\n    cron=\"0 6 * * *\",\n    timezone=\"Europe/Berlin\",\n    enabled=True,\n)", true},
		{"@daily", "", "SCHEDULE = Schedule(\n    cron=\"0 0 * * *\",\n    timezone=\"UTC\",\n    enabled=False,\n)", false},
		{"@weekly", "Asia/Tokyo", "cron=\"0 0 * * 0\"", true},
		{"@hourly", "UTC", "cron=\"0 * * * *\"", true},
		{"@monthly", "UTC", "cron=\"0 0 1 * *\"", true},
	} {
		p := customer360(t)
		p.Schedules.Schedules[0].Cron = c.cron
		p.Schedules.Schedules[0].Timezone = c.zone
		p.Schedules.Schedules[0].Enabled = c.enabled
		dag := string(generateFiles(t, p, gen.Options{})[DAGFile])
		if !strings.Contains(dag, c.want) {
			t.Errorf("%s %s: DAG file lacks %q", c.cron, c.zone, c.want)
		}
	}
	p := customer360(t)
	p.Schedules.Schedules = nil
	if dag := string(generateFiles(t, p, gen.Options{})[DAGFile]); !strings.Contains(dag, "\nSCHEDULE = None\n") {
		t.Error("a product without a schedule has one")
	}
}

// TestHostileTextIsQuoted: text that tries to leave its Python string stays in it. (The
// compiler and the Kubernetes checks refuse such values; the DAG file must hold them
// anyway, so it is rendered here without them.)
func TestHostileTextIsQuoted(t *testing.T) {
	p := customer360(t)
	p.Version = "1.0.0\"\nimport os  # '"
	p.ResourcePresets[0].Resources.Limits.Memory = `2Gi"); os.system("boom`
	if _, err := Generate(p, gen.Options{}); err == nil {
		t.Error("Generate accepted values Kubernetes refuses")
	}
	view, err := newDAGView(p, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := renderDAG(view)
	if err != nil {
		t.Fatal(err)
	}
	dag := string(data)
	for _, want := range []string{
		`product_version="1.0.0\"\nimport os  # '"`,
		`limits_memory='2Gi"); os.system("boom'`,
	} {
		if !strings.Contains(dag, want) {
			t.Errorf("DAG file lacks %s", want)
		}
	}
	if strings.Contains(dag, "\nimport os") {
		t.Error("hostile text reached the DAG file as code")
	}
}

func TestRefusals(t *testing.T) {
	p := customer360(t)
	p.ContractVersion = "0.9.0"
	if _, err := Generate(p, gen.Options{}); err == nil || !strings.Contains(err.Error(), "contract 0.9.0 is not supported") {
		t.Errorf("another contract: %v", err)
	}
	p = customer360(t)
	p.Models[2].Name = "bad name"
	if _, err := Generate(p, gen.Options{}); err == nil || !strings.Contains(err.Error(), "cannot be an Airflow DAG or task id") {
		t.Errorf("a name Airflow refuses: %v", err)
	}
	p = customer360(t)
	p.Schedules.Schedules = append(p.Schedules.Schedules, p.Schedules.Schedules[0])
	if _, err := Generate(p, gen.Options{}); err == nil || !strings.Contains(err.Error(), "an Airflow DAG has one") {
		t.Errorf("two schedules: %v", err)
	}
	if _, err := Generate(nil, gen.Options{}); err == nil {
		t.Error("no product: no error")
	}
}
