package compiler

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestReferenceCompatibility compiles the reference project's own customer-360 inputs
// and compares the artifact byte for byte with what the reference compiler wrote,
// except compiled_at.
func TestReferenceCompatibility(t *testing.T) {
	ref := filepath.Join("testdata", "reference") // see its README: copies of the reference's files
	want, err := os.ReadFile(filepath.Join(ref, "customer-360.compiled_artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Lay the files out as the reference does: demo/customer-360/floe.yaml + demo/manifest.yaml.
	dir := t.TempDir()
	copyFile(t, filepath.Join(ref, "customer-360.floe.yaml"), filepath.Join(dir, "demo", "customer-360", "floe.yaml"))
	copyFile(t, filepath.Join(ref, "demo.manifest.yaml"), filepath.Join(dir, "demo", "manifest.yaml"))
	res := Compile(Options{SpecPath: filepath.Join(dir, "demo", "customer-360", "floe.yaml"), ReadFile: os.ReadFile,
		CompiledAt: time.Date(2026, 11, 25, 17, 7, 54, 448680000, time.UTC), FloeVersion: "test", Orchestrators: []string{"dagster"}})
	if res.Diags.HasErrors() || res.Product == nil {
		t.Fatalf("compile failed: %v", res.Diags)
	}
	stamp := regexp.MustCompile(`"compiled_at": "[^"]*"`)
	got := stamp.ReplaceAll(res.Product.ArtifactsJSON, []byte(`"compiled_at": "X"`))
	exp := stamp.ReplaceAll(want, []byte(`"compiled_at": "X"`))
	if string(got) != string(exp) {
		t.Errorf("artifact differs from the reference:\n--- got\n%s\n--- want\n%s", got, exp)
	}
	if want := `"compiled_at": "2026-11-25T17:07:54.448680Z"`; !regexp.MustCompile(regexp.QuoteMeta(want)).Match(res.Product.ArtifactsJSON) {
		t.Errorf("compiled_at not rendered as %s", want)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
