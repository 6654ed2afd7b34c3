package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden/*/want")

// goldenFiles are the outputs compared per case (the runtime package and chart have
// golden tests of their own in codegen).
var goldenFiles = []string{"compiled_artifacts.json", "schedules.json", "iceberg_io.json", "profiles.yml", "definitions.py", "helm/values.yaml"}

// TestGolden compiles every example product and every case under testdata/golden
// (SOURCE_DATE_EPOCH fixed) and compares the main outputs with want/. Run with
// -update to refresh them after an intended change, and review the diff.
func TestGolden(t *testing.T) {
	cases := map[string]string{} // case name → floe.yaml
	examples, _ := filepath.Glob("../examples/*/floe.yaml")
	deeper, _ := filepath.Glob("../examples/*/*/*/floe.yaml")
	for _, p := range append(examples, deeper...) {
		rel, _ := filepath.Rel("../examples", filepath.Dir(p))
		cases["example-"+strings.ReplaceAll(rel, string(filepath.Separator), "-")] = p
	}
	own, _ := filepath.Glob("testdata/golden/*/floe.yaml")
	for _, p := range own {
		cases[filepath.Base(filepath.Dir(p))] = p
	}
	if len(cases) < 3 {
		t.Fatalf("expected the examples as golden cases, found %d", len(cases))
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			if code := Main(context.Background(), []string{"compile", spec, "-o", out}, nil, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr.String())
			}
			want := filepath.Join("testdata", "golden", name, "want")
			for _, f := range goldenFiles {
				got, err := os.ReadFile(filepath.Join(out, f))
				if err != nil {
					t.Fatalf("%s not written: %v", f, err)
				}
				// The product directory relative to a temporary output directory varies.
				got = bytes.ReplaceAll(got, []byte(relProject(t, out, spec)), []byte("$PROJECT"))
				wf := filepath.Join(want, f)
				if *update {
					if err := os.MkdirAll(filepath.Dir(wf), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(wf, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				exp, err := os.ReadFile(wf)
				if err != nil {
					t.Fatalf("%s: %v (run go test ./cli -run TestGolden -update)", wf, err)
				}
				if !bytes.Equal(got, exp) {
					t.Errorf("%s differs from %s (run with -update and review the diff)", f, wf)
				}
			}
		})
	}
}

func relProject(t *testing.T, out, spec string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Dir(spec))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(out, abs)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(rel)
}
